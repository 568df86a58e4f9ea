// Yards: how many vehicles each yard holds, refreshed every 5 s.
(function () {
  'use strict';

  const REFRESH_MS = 5000;
  const { el, fmtTime } = Desk;
  const $ = (id) => document.getElementById(id);

  function yardRow(yard) {
    return el('tr', { class: 'yard-row', dataset: { yard: yard.yard } },
      el('td', { class: 'yard', text: yard.yard }),
      el('td', { class: 'num occupancy', text: yard.occupancy ?? '—' }),
      el('td', { class: 'num in-today', text: yard.in_today ?? '—' }),
      el('td', { class: 'num out-today', text: yard.out_today ?? '—' }),
      el('td', { class: 'time', text: fmtTime(yard.updated) }));
  }

  async function refresh() {
    if (document.hidden) return;
    try {
      const yards = (await Desk.api('GET', '/api/yards')) || [];
      $('yards').replaceChildren(...yards.map(yardRow));
      if (!yards.length) $('yards').append(el('tr', {}, el('td', { colspan: 5, class: 'empty', text: 'No yard cameras are configured.' })));
      Desk.clearError($('yards-error'));
      $('yards-updated').textContent = 'updated ' + fmtTime(new Date().toISOString());
    } catch (err) {
      Desk.showError($('yards-error'), err);
    }
  }

  function init() {
    refresh();
    setInterval(refresh, REFRESH_MS);
    document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
  }

  Desk.ready.then(init);
})();
