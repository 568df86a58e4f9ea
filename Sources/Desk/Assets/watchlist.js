// Watchlist: plates that raise an alert banner on every desk when a camera reads them.
(function () {
  'use strict';

  const { el, plateBox, fmtTime } = Desk;
  const $ = (id) => document.getElementById(id);

  function notice(text) {
    $('watch-done').textContent = text;
    $('watch-done').hidden = !text;
  }

  function watchRow(entry) {
    const remove = Desk.can('operator')
      ? el('button', { class: 'remove danger', type: 'button', text: 'Remove', onclick: () => removeEntry(entry.plate) })
      : null;
    return el('tr', { class: 'watch', dataset: { plate: entry.plate } },
      el('td', {}, el('a', { href: '/vehicle?plate=' + encodeURIComponent(entry.plate) }, plateBox(entry.plate))),
      el('td', { class: 'reason', text: entry.reason }),
      el('td', { text: entry.added_by || '' }),
      el('td', { class: 'time', text: fmtTime(entry.added_at) }),
      el('td', { class: 'time', text: entry.expires_at ? fmtTime(entry.expires_at) : 'never' }),
      el('td', {}, remove));
  }

  async function load() {
    try {
      const entries = (await Desk.api('GET', '/api/watchlist')) || [];
      $('watchlist').replaceChildren(...entries.map(watchRow));
      if (!entries.length) $('watchlist').append(el('tr', {}, el('td', { colspan: 6, class: 'empty', text: 'The watchlist is empty.' })));
    } catch (err) {
      Desk.showError($('watch-error'), err);
    }
  }

  async function removeEntry(plate) {
    notice('');
    try {
      await Desk.api('DELETE', '/api/watchlist/' + encodeURIComponent(plate));
      Desk.clearError($('watch-error'));
      notice(`${plate} was removed from the watchlist.`);
    } catch (err) {
      Desk.showError($('watch-error'), err);
    }
    await load();
  }

  async function add(event) {
    event.preventDefault();
    notice('');
    const plate = Desk.normalizePlate($('watch-plate').value);
    const reason = $('watch-reason').value.trim();
    const expiresLocal = $('watch-expires').value;
    if (!plate || !reason) {
      Desk.showError($('watch-error'), 'A plate and a reason are both needed.');
      return;
    }
    const body = { plate, reason };
    if (expiresLocal) {
      body.expires_at = Desk.localInputToISO(expiresLocal);
      if (new Date(body.expires_at) <= new Date()) {
        Desk.showError($('watch-error'), 'The expiry time is already past; leave it empty for no expiry.');
        return;
      }
    }
    $('watch-add').disabled = true;
    try {
      await Desk.api('POST', '/api/watchlist', body);
      Desk.clearError($('watch-error'));
      $('watch-form').reset();
      notice(`${plate} is on the watchlist.`);
      await load();
    } catch (err) {
      Desk.showError($('watch-error'), err);
    } finally {
      $('watch-add').disabled = false;
    }
  }

  function init() {
    $('watch-form').addEventListener('submit', add);
    load();
  }

  Desk.ready.then(init);
})();
