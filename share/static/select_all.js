// select_all.js - the "select all" box in the message list's header: it
// ticks or clears every message of the page, and shows whether all, some or
// none are ticked. Without the script the box stays hidden and each message
// is ticked by itself.
(function () {
  'use strict';
  var form = document.getElementById('messages');
  if (!form) return;
  var all = form.querySelector('input.select-all');
  if (!all) return;
  function boxes() {
    return form.querySelectorAll('tbody input[type=checkbox][name=id]');
  }
  function update() {
    var list = boxes();
    var ticked = 0;
    for (var i = 0; i < list.length; i++) if (list[i].checked) ticked++;
    all.checked = list.length > 0 && ticked === list.length;
    all.indeterminate = ticked > 0 && ticked < list.length;
  }
  if (!boxes().length) return;
  all.hidden = false;
  all.addEventListener('change', function () {
    var list = boxes();
    for (var i = 0; i < list.length; i++) list[i].checked = all.checked;
    all.indeterminate = false;
  });
  form.addEventListener('change', function (ev) {
    if (ev.target !== all) update();
  });
  update();
})();
