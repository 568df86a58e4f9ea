// Users and API tokens (admins only; the server refuses everyone else with 403 anyway).
(function () {
  'use strict';

  const { el, fmtTime } = Desk;
  const $ = (id) => document.getElementById(id);

  function userRow(user) {
    const self = Desk.me && user.username === Desk.me.username;
    // Deleting one's own account from here would end the session mid-task and could leave no admin.
    const remove = self
      ? el('span', { class: 'muted', text: 'signed in' })
      : el('button', { class: 'delete danger', type: 'button', text: 'Delete', onclick: () => deleteUser(user.username) });
    const locked = user.locked_until && new Date(user.locked_until) > new Date() ? fmtTime(user.locked_until) : '';
    return el('tr', { class: 'user-row', dataset: { username: user.username } },
      el('td', { class: 'username', text: user.username }),
      el('td', { class: 'role', text: user.role }),
      el('td', { class: 'time', text: fmtTime(user.created_at) }),
      el('td', { class: 'time', text: locked }),
      el('td', {}, remove));
  }

  function tokenRow(token) {
    return el('tr', { class: 'token-row', dataset: { token: token.id } },
      el('td', { class: 'name', text: token.name }),
      el('td', { class: 'role', text: token.role }),
      el('td', { text: token.created_by || '' }),
      el('td', { class: 'time', text: fmtTime(token.created_at) }),
      el('td', {}, el('button', { class: 'delete danger', type: 'button', text: 'Revoke', onclick: () => deleteToken(token.id) })));
  }

  async function loadUsers() {
    try {
      const users = (await Desk.api('GET', '/api/users')) || [];
      $('users').replaceChildren(...users.map(userRow));
    } catch (err) {
      Desk.showError($('user-error'), err);
    }
  }

  async function loadTokens() {
    try {
      const tokens = (await Desk.api('GET', '/api/tokens')) || [];
      $('tokens').replaceChildren(...tokens.map(tokenRow));
      if (!tokens.length) $('tokens').append(el('tr', {}, el('td', { colspan: 5, class: 'empty', text: 'No API tokens.' })));
    } catch (err) {
      Desk.showError($('token-error'), err);
    }
  }

  async function addUser(event) {
    event.preventDefault();
    const username = $('new-username').value.trim();
    const password = $('new-password').value;
    if (password.length < 10) {
      Desk.showError($('user-error'), 'The password needs at least 10 characters.');
      return;
    }
    $('user-add').disabled = true;
    try {
      await Desk.api('POST', '/api/users', { username, password, role: $('new-role').value });
      Desk.clearError($('user-error'));
      $('user-form').reset();
      await loadUsers();
    } catch (err) {
      Desk.showError($('user-error'), err);
    } finally {
      $('user-add').disabled = false;
    }
  }

  async function deleteUser(username) {
    try {
      await Desk.api('DELETE', '/api/users/' + encodeURIComponent(username));
      Desk.clearError($('user-error'));
    } catch (err) {
      Desk.showError($('user-error'), err);
    }
    await loadUsers();
  }

  async function addToken(event) {
    event.preventDefault();
    const name = $('token-name').value.trim();
    if (!name) {
      Desk.showError($('token-error'), 'Give the token a name saying who or what uses it.');
      return;
    }
    $('token-add').disabled = true;
    try {
      const created = await Desk.api('POST', '/api/tokens', { name, role: $('token-role').value });
      Desk.clearError($('token-error'));
      $('token-form').reset();
      $('token-label').textContent = `“${created.name}” (${created.role})`;
      $('token-value').textContent = created.token;
      $('token-box').hidden = false;
      await loadTokens();
    } catch (err) {
      Desk.showError($('token-error'), err);
    } finally {
      $('token-add').disabled = false;
    }
  }

  async function deleteToken(id) {
    try {
      await Desk.api('DELETE', '/api/tokens/' + encodeURIComponent(id));
      Desk.clearError($('token-error'));
    } catch (err) {
      Desk.showError($('token-error'), err);
    }
    await loadTokens();
  }

  // The clipboard API needs a secure context; on plain HTTP the text is selected for Ctrl+C instead.
  async function copyToken() {
    const node = $('token-value');
    try {
      await navigator.clipboard.writeText(node.textContent);
      $('token-copy').textContent = 'Copied';
    } catch (_) {
      const range = document.createRange();
      range.selectNodeContents(node);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      $('token-copy').textContent = 'Selected: press Ctrl+C';
    }
  }

  function forgetToken() {
    $('token-value').textContent = '';
    $('token-box').hidden = true;
    $('token-copy').textContent = 'Copy';
  }

  function init() {
    if (!Desk.can('admin')) {
      $('users-forbidden').hidden = false;
      return;
    }
    $('user-form').addEventListener('submit', addUser);
    $('token-form').addEventListener('submit', addToken);
    $('token-copy').addEventListener('click', copyToken);
    $('token-dismiss').addEventListener('click', forgetToken);
    loadUsers();
    loadTokens();
  }

  Desk.ready.then(init);
})();
