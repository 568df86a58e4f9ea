// Live page: the latest passages, newest first, updated from the shared SSE stream without reloading.
(function () {
  'use strict';

  const MAX_ROWS = 200;
  const { el, plateBox, badge, fmtTime, fmtPercent } = Desk;
  const list = () => document.getElementById('live');

  function eventURL(passage) {
    return '/event?id=' + encodeURIComponent(passage.passage_id);
  }

  function buildRow(passage) {
    const badges = el('span', { class: 'badges' },
      passage.role ? badge(passage.role) : null,
      passage.corrected ? badge('corrected', 'corrected') : null,
      passage.watch ? badge('WATCH: ' + (passage.watch.reason || 'listed'), 'watch') : null);
    const row = el('li', {
      class: passage.watch ? 'event watched' : 'event',
      dataset: { id: passage.id, passage: passage.passage_id, time: passage.time || '' },
      title: 'Open this passage',
    },
      el('span', { class: 'crop-cell' },
        passage.crop_url ? el('img', { class: 'crop', src: passage.crop_url, alt: 'plate ' + passage.display, loading: 'lazy' }) : null),
      el('span', { class: 'plate-cell' }, el('a', { href: eventURL(passage) }, plateBox(passage.display || passage.plate))),
      el('span', { class: 'time', text: fmtTime(passage.time) }),
      el('span', { class: 'camera', text: passage.camera }),
      badges,
      el('span', { class: 'confidence', text: fmtPercent(passage.confidence) }));
    row.addEventListener('click', (event) => {
      if (event.target.closest('a')) return; // the plate link navigates by itself (and supports new tabs)
      location.assign(eventURL(passage));
    });
    return row;
  }

  function findRow(passageId) {
    for (const row of list().children) if (row.dataset.passage === passageId) return row;
    return null;
  }

  function trim() {
    const ol = list();
    while (ol.children.length > MAX_ROWS) ol.lastElementChild.remove();
    document.getElementById('live-empty').hidden = ol.children.length > 0;
    document.getElementById('live-count').textContent = ol.children.length ? `${ol.children.length} shown` : '';
  }

  // A passage from the stream is news: a new one goes on top, an updated or corrected one keeps its place.
  function showLive(passage) {
    const row = buildRow(passage);
    const old = findRow(passage.passage_id);
    if (old) old.replaceWith(row);
    else list().prepend(row);
    row.classList.add('fresh');
    trim();
  }

  // Fetched passages fill in around what the stream already delivered, in time order; a row already
  // shown came from the stream and is at least as recent, so it is kept.
  function merge(passages) {
    const ol = list();
    for (const passage of passages) {
      if (findRow(passage.passage_id)) continue;
      const row = buildRow(passage);
      const later = passage.time || '';
      const before = [...ol.children].find((r) => new Date(r.dataset.time) < new Date(later));
      if (before) ol.insertBefore(row, before); else ol.append(row);
    }
    trim();
  }

  async function loadRecent() {
    const error = document.getElementById('live-error');
    try {
      const page = await Desk.api('GET', '/api/passages?per_page=50');
      Desk.clearError(error);
      merge((page && page.items) || []);
      // Lets scripted checks tell "nothing yet" from "not loaded yet".
      list().dataset.loaded = 'true';
    } catch (err) {
      Desk.showError(error, err);
    }
  }

  Desk.on('passage', showLive);
  Desk.on('reconnect', loadRecent);
  Desk.ready.then(loadRecent);
})();
