// Shared by every signed-in page: session check, top nav, the JSON helper, formatting, the single SSE
// connection and the watchlist alert banner. Pages use it through `window.Desk`.
(function () {
  'use strict';

  const ROLE_RANK = { viewer: 1, operator: 2, admin: 3 };
  const NAV = [
    { href: '/', label: 'Live', pages: ['/'] },
    { href: '/search', label: 'Search', pages: ['/search', '/event', '/vehicle'] },
    { href: '/watchlist', label: 'Watchlist', pages: ['/watchlist'] },
    { href: '/cameras', label: 'Cameras', pages: ['/cameras'] },
    { href: '/yards', label: 'Yards', pages: ['/yards'] },
    { href: '/audit', label: 'Audit', pages: ['/audit'] },
    { href: '/users', label: 'Users', pages: ['/users'], minRole: 'admin' },
    { href: '/account', label: 'Account', pages: ['/account'] },
  ];

  let me = null;
  let csrf = '';

  // ---------------------------------------------------------------- DOM and formatting helpers

  // Builds an element without ever parsing HTML: everything that came from the server goes in as text.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
      else if (value === true) node.setAttribute(key, '');
      else node.setAttribute(key, String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function pad(n) { return String(n).padStart(2, '0'); }

  // Officers compare times with the wall clock in the booth, so times are shown in local time.
  function fmtTime(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    if (isNaN(d)) return String(iso);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
      `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  function fmtDuration(seconds) {
    if (seconds === null || seconds === undefined || isNaN(seconds)) return '—';
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s} s`;
    const minutes = Math.floor(s / 60);
    if (minutes < 60) return `${minutes} min`;
    return `${Math.floor(minutes / 60)} h ${pad(minutes % 60)} min`;
  }

  function fmtPercent(confidence) {
    if (confidence === null || confidence === undefined) return '—';
    return `${Math.round(confidence * 100)} %`;
  }

  // The same plate is typed as "51F-678.90", "51f 67890" or "51F67890"; the API keys on the bare form.
  function normalizePlate(text) {
    return String(text || '').toUpperCase().replace(/[\s.\-]/g, '');
  }

  // datetime-local inputs hold local wall time without a zone; the API wants RFC 3339 UTC.
  function localInputToISO(value) {
    if (!value) return '';
    const d = new Date(value);
    return isNaN(d) ? '' : d.toISOString();
  }

  function isoToLocalInput(value) {
    if (!value) return '';
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(value)) return value;
    const d = new Date(value);
    if (isNaN(d)) return '';
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  function plateBox(text, extraClass) {
    return el('span', { class: extraClass ? `plate ${extraClass}` : 'plate', text: text || '—' });
  }

  function badge(text, kind) {
    return el('span', { class: kind ? `badge ${kind}` : 'badge', text });
  }

  function showError(node, err) {
    if (!node) return;
    node.textContent = err instanceof Error ? err.message : String(err);
    node.hidden = false;
  }

  function clearError(node) {
    if (!node) return;
    node.textContent = '';
    node.hidden = true;
  }

  function loginURL() {
    return '/login?next=' + encodeURIComponent(location.pathname + location.search);
  }

  // ---------------------------------------------------------------- JSON API

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf;

    let response;
    try {
      response = await fetch(path, init);
    } catch (_) {
      throw Object.assign(new Error('The desk server cannot be reached; check the network and try again.'),
        { status: 0, code: 'network' });
    }
    if (response.status === 401) {
      // The session ended (expired, or signed out in another tab): a fresh sign-in is the only way on.
      location.assign(loginURL());
      throw Object.assign(new Error('Your session ended; please sign in again.'), { status: 401, code: 'unauthenticated' });
    }
    if (response.status === 204) return null;
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (!response.ok) {
      const message = (data && data.message) || `The server answered ${response.status} ${response.statusText}`;
      throw Object.assign(new Error(message), { status: response.status, code: data && data.error });
    }
    return data;
  }

  function can(minRole) {
    return !!me && (ROLE_RANK[me.role] || 0) >= (ROLE_RANK[minRole] || 99);
  }

  // ---------------------------------------------------------------- live stream (one per page)

  const listeners = new Map();
  let connection = 'connecting';
  let source = null;
  let everOpened = false;
  let retryDelay = 1000;
  let pageHidden = false;

  function on(type, fn) {
    if (!listeners.has(type)) listeners.set(type, new Set());
    listeners.get(type).add(fn);
  }

  function emit(type, data) {
    for (const fn of listeners.get(type) || []) {
      try { fn(data); } catch (err) { console.error(`desk: ${type} handler failed`, err); }
    }
  }

  const CONNECTION_TEXT = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' };

  function setConnection(state) {
    connection = state;
    for (const node of document.querySelectorAll('#connection, .conn-dot')) {
      node.textContent = CONNECTION_TEXT[state];
      node.dataset.state = state;
    }
  }

  function openStream() {
    if (pageHidden || source) return; // a retry timer may fire after the page was left
    const stream = new EventSource('/api/live');
    source = stream;
    stream.addEventListener('open', () => {
      retryDelay = 1000;
      setConnection('live');
      // Whatever happened while the stream was down is fetched again by whoever cares.
      if (everOpened) emit('reconnect');
      everOpened = true;
    });
    stream.addEventListener('error', () => {
      if (stream !== source) return; // closed by us on leaving the page
      if (stream.readyState === EventSource.CLOSED) {
        // The browser gives up for good on an HTTP error (401 after the session ended, 5xx): find out
        // which, and retry ourselves with a growing delay unless the session is gone.
        source = null;
        setConnection('reconnecting');
        const retry = () => {
          setTimeout(openStream, retryDelay);
          retryDelay = Math.min(retryDelay * 2, 30000);
        };
        api('GET', '/api/me').then(retry, (err) => { if (err.status !== 401) retry(); });
      } else {
        setConnection('reconnecting');
      }
    });
    for (const type of ['passage', 'alert', 'ack']) {
      stream.addEventListener(type, (event) => {
        let data;
        try { data = JSON.parse(event.data); } catch (_) { return; }
        emit(type, data);
      });
    }
  }

  // A page kept in the back/forward cache would keep its stream open; browsers allow only six HTTP/1.1
  // connections per server, so a few page changes would leave none for the page being opened.
  function closeStreamWithPage() {
    window.addEventListener('pagehide', () => {
      pageHidden = true;
      if (source) source.close();
      source = null;
    });
    window.addEventListener('pageshow', (event) => {
      pageHidden = false;
      if (event.persisted && !source) {
        setConnection('reconnecting');
        openStream();
        loadOpenAlerts(false);
      }
    });
  }

  // ---------------------------------------------------------------- alert banner

  const openAlerts = new Map();      // id → Alert, not yet acknowledged
  const acknowledged = new Set();    // ids seen acknowledged, so a late list fetch cannot bring them back
  const hiddenHere = new Set();      // ids a viewer hid on this screen only
  let audio = null;

  function ensureBanner() {
    let banner = document.getElementById('alert-banner');
    if (!banner) {
      banner = el('div', { id: 'alert-banner', role: 'alert', 'aria-live': 'assertive', hidden: true });
      const header = document.getElementById('topbar');
      if (header) header.after(banner); else document.body.prepend(banner);
    }
    if (!banner.querySelector('.alert-text')) {
      banner.prepend(el('span', { class: 'alert-title', text: 'WATCHLIST' }), el('span', { class: 'alert-text' }));
    }
    if (!document.getElementById('alert-ack')) {
      banner.append(el('button', { id: 'alert-ack', type: 'button', text: 'Acknowledge' }));
    }
    if (!banner.querySelector('.alert-note')) banner.append(el('span', { class: 'alert-note', hidden: true }));
    if (!banner.querySelector('.alert-error')) banner.append(el('span', { class: 'alert-error', hidden: true }));
    return banner;
  }

  function visibleAlerts() {
    return [...openAlerts.values()]
      .filter((a) => !hiddenHere.has(a.id))
      .sort((a, b) => String(a.time).localeCompare(String(b.time)));
  }

  function renderBanner() {
    const banner = ensureBanner();
    const pending = visibleAlerts();
    const alert = pending[0];
    document.title = document.title.replace(/^⚠ ALERT · /, '');
    if (!alert) {
      banner.hidden = true;
      delete banner.dataset.alertId;
      return;
    }
    document.title = '⚠ ALERT · ' + document.title;
    const text = banner.querySelector('.alert-text');
    const more = pending.length > 1 ? el('span', { class: 'alert-more', text: ` (+${pending.length - 1} more open)` }) : null;
    text.replaceChildren(...[
      plateBox(alert.plate), ' ',
      el('span', { class: 'alert-reason', text: alert.reason || '' }),
      ' — camera ', el('strong', { text: alert.camera || '?' }),
      ' at ', el('span', { class: 'time', text: fmtTime(alert.time) }), ' ',
      alert.passage_id ? el('a', { href: '/event?id=' + encodeURIComponent(alert.passage_id), text: 'details' }) : null,
      more].filter(Boolean));
    const ack = document.getElementById('alert-ack');
    ack.disabled = false;
    const note = banner.querySelector('.alert-note');
    if (can('operator')) {
      ack.textContent = 'Acknowledge';
      note.hidden = true;
    } else {
      ack.textContent = 'Hide';
      note.textContent = 'Viewers cannot acknowledge: ask an operator to acknowledge this alert.';
      note.hidden = false;
    }
    clearError(banner.querySelector('.alert-error'));
    banner.dataset.alertId = alert.id;
    banner.hidden = false;
  }

  function addAlert(alert, sound) {
    if (!alert || !alert.id || alert.acknowledged_by || acknowledged.has(alert.id)) return;
    const isNew = !openAlerts.has(alert.id);
    openAlerts.set(alert.id, alert);
    renderBanner();
    if (isNew && sound) beep();
  }

  function dropAlert(id) {
    acknowledged.add(id);
    openAlerts.delete(id);
    renderBanner();
  }

  async function acknowledgeShown() {
    const banner = ensureBanner();
    const id = banner.dataset.alertId;
    if (!id) return;
    if (!can('operator')) {
      hiddenHere.add(id);
      renderBanner();
      return;
    }
    const ack = document.getElementById('alert-ack');
    ack.disabled = true;
    try {
      await api('POST', `/api/alerts/${encodeURIComponent(id)}/ack`);
      dropAlert(id);
    } catch (err) {
      // Someone else acknowledged it first, or it is gone: either way it is no longer open.
      if (err.status === 404 || err.code === 'conflict') { dropAlert(id); return; }
      ack.disabled = false;
      showError(banner.querySelector('.alert-error'), err);
    }
  }

  async function loadOpenAlerts(sound) {
    try {
      const alerts = await api('GET', '/api/alerts?open=1');
      const stillOpen = new Set((alerts || []).map((a) => a.id));
      for (const id of [...openAlerts.keys()]) if (!stillOpen.has(id)) openAlerts.delete(id);
      for (const alert of alerts || []) addAlert(alert, sound);
      renderBanner();
    } catch (err) {
      console.error('desk: cannot load open alerts', err);
    }
  }

  // Two short tones; made here because the desk ships no audio files. Browsers may refuse to play before
  // the first click on the page: the banner is the alert, the sound only draws the eye to it.
  function beep() {
    try {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      audio = audio || new Context();
      if (audio.state === 'suspended') audio.resume().catch(() => {});
      const start = audio.currentTime + 0.02;
      for (const offset of [0, 0.28]) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.type = 'square';
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, start + offset);
        gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.2);
        osc.connect(gain).connect(audio.destination);
        osc.start(start + offset);
        osc.stop(start + offset + 0.22);
      }
    } catch (_) { /* no audio device or autoplay blocked */ }
  }

  function unlockAudioOnFirstClick() {
    document.addEventListener('pointerdown', () => {
      try { if (audio && audio.state === 'suspended') audio.resume().catch(() => {}); } catch (_) { /* ignore */ }
    }, { once: true });
  }

  // ---------------------------------------------------------------- top bar

  function buildTopbar() {
    let header = document.getElementById('topbar');
    if (!header) {
      header = el('header', { id: 'topbar', class: 'topbar' });
      document.body.prepend(header);
    }
    const here = location.pathname.replace(/\/+$/, '') || '/';
    const links = NAV.filter((item) => !item.minRole || can(item.minRole)).map((item) =>
      el('a', { href: item.href, text: item.label, 'aria-current': item.pages.includes(here) ? 'page' : null }));
    const logout = el('button', { type: 'button', id: 'logout', text: 'Log out', onclick: logOut });
    header.replaceChildren(
      el('span', { class: 'brand', text: 'PlateWatch desk' }),
      el('nav', { 'aria-label': 'Main' }, links),
      el('span', { class: 'conn-dot', 'data-state': connection, text: CONNECTION_TEXT[connection] }),
      el('span', { class: 'who' }, el('strong', { id: 'me-user', text: me.username }), ' · ', el('span', { id: 'me-role', text: me.role })),
      logout);
  }

  async function logOut() {
    try {
      await fetch('/logout', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf } });
    } catch (_) { /* the login page is the right place to land either way */ }
    if (source) source.close();
    location.assign('/login');
  }

  // Operator and admin controls are in the HTML with data-min-role and `hidden`, so a viewer never sees
  // them flash; they are shown once the role is known. The server enforces roles regardless.
  function applyRoleVisibility() {
    document.body.classList.add(`role-${me.role}`);
    for (const node of document.querySelectorAll('[data-min-role]')) {
      node.hidden = !can(node.dataset.minRole);
    }
  }

  // ---------------------------------------------------------------- start

  async function start() {
    const answer = await fetch('/api/me', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
    if (answer.status === 401) {
      location.replace(loginURL());
      return new Promise(() => {}); // the page is going away; nothing after this should run
    }
    if (!answer.ok) throw new Error(`Cannot load the signed-in user (HTTP ${answer.status})`);
    me = await answer.json();
    csrf = me.csrf || '';
    Desk.me = me;
    Desk.role = me.role;
    buildTopbar();
    applyRoleVisibility();
    ensureBanner();
    document.getElementById('alert-ack').addEventListener('click', acknowledgeShown);
    on('alert', (alert) => addAlert(alert, true));
    on('ack', (data) => data && data.id && dropAlert(data.id));
    on('reconnect', () => loadOpenAlerts(false));
    unlockAudioOnFirstClick();
    closeStreamWithPage();
    openStream();
    loadOpenAlerts(true);
    return me;
  }

  const Desk = {
    me: null,
    role: null,
    ready: null,
    api, can, on,
    el, plateBox, badge, showError, clearError,
    fmtTime, fmtDuration, fmtPercent, normalizePlate, localInputToISO, isoToLocalInput,
  };
  window.Desk = Desk;

  const domReady = document.readyState === 'loading'
    ? new Promise((resolve) => document.addEventListener('DOMContentLoaded', resolve, { once: true }))
    : Promise.resolve();
  Desk.ready = domReady.then(start);
  Desk.ready.catch((err) => {
    console.error('desk: start failed', err);
    const main = document.querySelector('main') || document.body;
    main.prepend(el('p', { class: 'error', text: err.message || String(err) }));
  });
})();
