// Vehicle page: every passage of one plate and its journeys through the crossing.
(function () {
  'use strict';

  const { el, badge, fmtTime, fmtPercent, fmtDuration } = Desk;
  const $ = (id) => document.getElementById(id);

  function passageRow(p) {
    return el('tr', { class: p.watch ? 'passage watched' : 'passage', dataset: { id: p.id, passage: p.passage_id } },
      el('td', {}, p.crop_url ? el('img', { class: 'crop', src: p.crop_url, alt: 'plate ' + p.display, loading: 'lazy' }) : null),
      el('td', { class: 'time', text: fmtTime(p.time) }),
      el('td', { class: 'time', text: fmtTime(p.last_seen) }),
      el('td', { class: 'camera', text: p.camera }),
      el('td', { text: p.role || '' }),
      el('td', { text: p.yard || '' }),
      el('td', { class: 'num', text: fmtPercent(p.confidence) }),
      el('td', {},
        p.corrected ? badge('corrected', 'corrected') : null, ' ',
        p.watch ? badge('WATCH: ' + (p.watch.reason || 'listed'), 'watch') : null),
      el('td', {}, el('a', { class: 'details', href: '/event?id=' + encodeURIComponent(p.passage_id), text: 'details' })));
  }

  function stepItem(step) {
    return el('li', { class: 'step' },
      el('div', { class: 'role', text: step.role || '?' }),
      el('div', { class: 'camera', text: step.camera || '' }),
      el('div', { class: 'time', text: fmtTime(step.time) }),
      // Elapsed: since the journey's first step; dwell: time spent in the yard (yard-out steps only).
      el('div', { class: 'dwell', text: step.elapsed_seconds > 0 ? '+' + fmtDuration(step.elapsed_seconds) + ' since the first step' : '' }),
      el('div', { class: 'dwell', text: step.dwell_seconds === null || step.dwell_seconds === undefined ? '' : 'in the yard ' + fmtDuration(step.dwell_seconds) }));
  }

  function journeyBlock(journey) {
    const steps = journey.steps || [];
    const flags = journey.flags || [];
    return el('article', { class: 'journey', dataset: { id: journey.id } },
      el('div', { class: 'journey-head' },
        el('strong', { text: steps.length ? 'From ' + fmtTime(steps[0].time) : 'Journey' }),
        el('span', { class: 'muted', text: `${steps.length} step${steps.length === 1 ? '' : 's'}` }),
        flags.map((f) => badge(f, 'flag'))),
      el('ol', {}, steps.map(stepItem)));
  }

  function show(vehicle) {
    const passages = vehicle.passages || [];
    const journeys = vehicle.journeys || [];
    const display = passages.length ? passages[0].display : vehicle.plate;
    $('plate-title').textContent = display || vehicle.plate;
    document.title = `${display || vehicle.plate} — PlateWatch desk`;
    const watched = passages.find((p) => p.watch);
    $('vehicle-watch').replaceChildren(watched ? badge('WATCHLIST: ' + (watched.watch.reason || 'listed'), 'watch') : '');
    $('passages').replaceChildren(...passages.map(passageRow));
    if (!passages.length) $('passages').append(el('tr', {}, el('td', { colspan: 9, class: 'empty', text: 'No passages of this plate.' })));
    $('journeys').replaceChildren(...journeys.map(journeyBlock));
    if (!journeys.length) $('journeys').append(el('p', { class: 'empty', text: 'No journeys recorded for this plate.' }));
  }

  async function init() {
    const plate = Desk.normalizePlate(new URLSearchParams(location.search).get('plate'));
    if (!plate) {
      Desk.showError($('vehicle-error'), 'No plate given: open a vehicle from the search results.');
      $('plate-title').textContent = '—';
      return;
    }
    $('plate-title').textContent = plate;
    try {
      show(await Desk.api('GET', '/api/vehicles/' + encodeURIComponent(plate)));
    } catch (err) {
      Desk.showError($('vehicle-error'), err);
    }
  }

  Desk.ready.then(init);
})();
