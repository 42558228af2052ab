// timezone.js - the settings page: when no time zone was ever saved, the
// browser's own zone is filled in for the user to save. Without this script
// the field stays empty and times are shown in UTC, as the page says.
(function () {
  'use strict';
  var field = document.getElementById('zone');
  var hint = document.getElementById('zone-hint');
  if (!field || field.value !== '' || field.getAttribute('data-saved') !== '') return;
  var zone = '';
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch (e) {
    return;
  }
  if (!/^[A-Za-z0-9_+\-]+(\/[A-Za-z0-9_+\-]+)*$/.test(zone) || zone === 'UTC') return;
  field.value = zone;
  if (hint) hint.textContent = 'Filled in from your browser (' + zone + '); times are shown in UTC until you save.';
})();
