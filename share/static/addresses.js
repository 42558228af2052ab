// addresses.js - address completion in the compose form's To, Cc and Bcc:
// as the user types the last address of a list, the server's
// /mail/addresses?q=PREFIX (recent recipients, then users of the domain)
// fills the field's <datalist>. Each suggestion is the whole field with its
// last address completed. Nothing goes anywhere but this server.
(function () {
  'use strict';
  var fields = ['to', 'cc', 'bcc'];
  fields.forEach(function (name) {
    var input = document.getElementById(name);
    var list = document.getElementById('addresses-' + name);
    if (!input || !list || !window.fetch) return;
    var timer = null, asked = 0;
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var value = input.value;
        var cut = Math.max(value.lastIndexOf(','), value.lastIndexOf(';'));
        var head = cut >= 0 ? value.slice(0, cut + 1) + ' ' : '';
        var prefix = value.slice(cut + 1).replace(/^\s+/, '');
        var ask = ++asked;
        if (prefix.length === 0 || prefix.length > 320) {
          while (list.firstChild) list.removeChild(list.firstChild);
          return;
        }
        fetch('/mail/addresses?q=' + encodeURIComponent(prefix), {
          credentials: 'same-origin',
          headers: { Accept: 'application/json' }
        }).then(function (r) {
          return r.ok ? r.json() : [];
        }).then(function (found) {
          if (ask !== asked || !Array.isArray(found)) return; // a newer question was asked
          while (list.firstChild) list.removeChild(list.firstChild);
          found.slice(0, 20).forEach(function (address) {
            if (typeof address !== 'string') return;
            var option = document.createElement('option');
            option.value = head + address;
            list.appendChild(option);
          });
        }).catch(function () {});
      }, 150);
    });
  });
})();
