// Account: an officer changes their own password (the first admin's one-time password, above all).
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);

  async function change(event) {
    event.preventDefault();
    Desk.clearError($('password-error'));
    $('password-result').hidden = true;
    try {
      await Desk.api('POST', '/api/me/password', { current: $('current-password').value, password: $('new-password').value });
      $('password-form').reset();
      $('password-result').textContent = 'Password changed. Other sessions of this user are signed out.';
      $('password-result').hidden = false;
    } catch (err) {
      Desk.showError($('password-error'), err);
    }
  }

  Desk.ready.then(() => $('password-form').addEventListener('submit', change));
})();
