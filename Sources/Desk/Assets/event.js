// One passage: what was read, where and when, its crop, and (for operators) the correction form.
(function () {
  'use strict';

  const { el, badge, fmtTime, fmtPercent } = Desk;
  const $ = (id) => document.getElementById(id);
  const passageId = new URLSearchParams(location.search).get('id') || '';

  function text(id, value) {
    $(id).textContent = value === null || value === undefined || value === '' ? '—' : String(value);
  }

  function correctionItem(c) {
    return el('li', { class: 'correction', dataset: { id: c.id } },
      el('span', { class: 'plate', text: c.old_plate }), ' → ', el('span', { class: 'plate', text: c.new_plate }),
      ' by ', el('strong', { text: c.user }), ' at ', el('span', { class: 'time', text: fmtTime(c.time) }),
      el('span', { class: 'reason', text: c.reason }));
  }

  function show(p) {
    $('event-plate').textContent = p.display || p.plate;
    document.title = `${p.display || p.plate} — PlateWatch desk`;
    $('event-badges').replaceChildren(
      p.corrected ? badge('corrected', 'corrected') : '', ' ',
      p.watch ? badge('WATCH: ' + (p.watch.reason || 'listed'), 'watch') : '');
    $('event-original').hidden = !(p.corrected && p.original_plate);
    $('event-original').textContent = p.corrected && p.original_plate ? `originally read as ${p.original_plate}` : '';
    $('event-vehicle').href = '/vehicle?plate=' + encodeURIComponent(p.plate);

    const crop = $('event-crop');
    if (p.crop_url) {
      crop.src = p.crop_url;
      crop.alt = 'plate ' + (p.display || p.plate);
    }
    crop.hidden = !p.crop_url;
    $('event-no-crop').hidden = !!p.crop_url;

    text('event-read', p.plate);
    text('event-format', p.format);
    text('event-confidence', fmtPercent(p.confidence));
    text('event-camera', p.camera);
    text('event-group', p.group);
    text('event-role', p.role);
    text('event-yard', p.yard);
    text('event-time', fmtTime(p.time));
    text('event-last-seen', fmtTime(p.last_seen));
    text('event-journey', p.journey_step);
    text('event-site', p.site);
    text('event-passage-id', p.passage_id);

    const corrections = p.corrections || [];
    $('corrections').replaceChildren(...corrections.map(correctionItem));
    if (!corrections.length) $('corrections').append(el('li', { class: 'empty', text: 'No corrections.' }));
  }

  async function load() {
    try {
      show(await Desk.api('GET', '/api/passages/' + encodeURIComponent(passageId)));
      Desk.clearError($('event-error'));
    } catch (err) {
      Desk.showError($('event-error'), err);
    }
  }

  async function submitCorrection(event) {
    event.preventDefault();
    const errorBox = $('correct-error');
    const plate = Desk.normalizePlate($('new-plate').value);
    const reason = $('reason').value.trim();
    $('correct-done').hidden = true;
    if (!plate || !reason) {
      Desk.showError(errorBox, 'Both the correct plate and a reason are needed.');
      return;
    }
    $('correct').disabled = true;
    try {
      const correction = await Desk.api('POST', `/api/passages/${encodeURIComponent(passageId)}/corrections`, { plate, reason });
      Desk.clearError(errorBox);
      $('correct-form').reset();
      $('correct-done').textContent = `Corrected ${correction.old_plate} → ${correction.new_plate}.`;
      $('correct-done').hidden = false;
      await load();
    } catch (err) {
      Desk.showError(errorBox, err);
    } finally {
      $('correct').disabled = false;
    }
  }

  function init() {
    if (!passageId) {
      Desk.showError($('event-error'), 'No passage given: open one from the Live or Search page.');
      return;
    }
    $('correct-form').addEventListener('submit', submitCorrection);
    // Another operator's correction, or a later read of the same vehicle, shows up without a reload.
    Desk.on('passage', (p) => { if (p && p.passage_id === passageId) load(); });
    load();
  }

  Desk.ready.then(init);
})();
