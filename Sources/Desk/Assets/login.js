// The sign-in page runs on its own: it must not load app.js, whose session check would send an
// unauthenticated visitor straight back here in a loop.
(function () {
  'use strict';

  const MESSAGES = {
    bad: 'Wrong user name or password',
    locked: 'Too many failed attempts — try again later',
    csrf: 'Your session expired, please sign in again',
  };

  function cookie(name) {
    for (const part of document.cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
    }
    return '';
  }

  // Only a path on this server may follow the sign-in; anything else would make the form an open redirect.
  function safeNext(value) {
    return value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/';
  }

  function showError(text) {
    const box = document.getElementById('login-error');
    box.textContent = text;
    box.hidden = false;
  }

  function init() {
    const query = new URLSearchParams(location.search);
    const token = cookie('pw_login_csrf');
    document.getElementById('csrf').value = token;
    document.getElementById('next').value = safeNext(query.get('next'));

    const error = query.get('error');
    if (error !== null) showError(MESSAGES[error] || 'Sign-in failed, please try again');
    // Kept apart from #login-error, which reports only what the server said about the last attempt.
    if (!token) document.getElementById('cookie-note').hidden = false;

    const username = query.get('username');
    if (username) {
      document.getElementById('username').value = username;
      document.getElementById('password').focus();
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
