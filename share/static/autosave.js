// autosave.js - saves the compose form as the message's draft every 30
// seconds while the user types, so that a closed tab or a lost connection
// loses little. The page works without it (Save draft does the same by hand).
// Files are not sent each time: they go with Send or Save draft; the draft's
// id comes back and goes into the form, so every save replaces one draft.
// Once the session has ended (401), the server has kept the text in Drafts:
// the kept draft's id goes into the form, the page says so, and saving stops.
(function () {
  'use strict';
  var EVERY = 30000;
  var form = document.querySelector('main.compose form');
  if (!form || !window.fetch || !window.FormData) return;
  var status = form.querySelector('.autosave');
  var dirty = false;
  var busy = false;

  form.addEventListener('input', function (ev) {
    if (ev.target.type !== 'file') dirty = true;
  });

  function saved() {
    if (!status) return;
    var now = new Date();
    var hh = String(now.getHours()).padStart(2, '0');
    var mm = String(now.getMinutes()).padStart(2, '0');
    status.textContent = 'Draft saved at ' + hh + ':' + mm + '.';
  }

  var timer;

  function ended(id) {
    if (id && form.elements.draft) form.elements.draft.value = id.trim();
    clearInterval(timer);
    if (status) {
      status.textContent = 'Your session has ended; your text is kept. ' +
        'Log on again in this browser to find it in Drafts.';
    }
  }

  function save() {
    if (!dirty || busy) return;
    dirty = false;
    busy = true;
    var data = new FormData(form); // in the form's order: the CSRF token first
    data.delete('attachment');
    data.set('op', 'autosave');
    fetch(form.action, { method: 'POST', body: data, credentials: 'same-origin', redirect: 'manual' })
      .then(function (r) {
        if (r.status === 401) return r.text().then(ended);
        if (!r.ok || r.type === 'opaqueredirect') throw new Error('not saved');
        return r.text().then(function (id) {
          if (id && form.elements.draft) form.elements.draft.value = id.trim();
          saved();
        });
      })
      .catch(function () {
        dirty = true; // tried again at the next turn
      })
      .then(function () {
        busy = false;
      });
  }

  timer = setInterval(save, EVERY);
})();
