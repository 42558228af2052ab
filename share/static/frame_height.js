// frame_height.js - makes the frame of an HTML message as tall as what it
// shows, so that the page scrolls and not the frame. The frame runs no
// script (its sandbox has no allow-scripts); it keeps our origin so that
// this script, the page's own, can read its height. Without this script the
// frame keeps the height the style sheet gives it and scrolls inside.
(function () {
  'use strict';
  var frames = document.querySelectorAll('.html-part iframe');

  function fit(frame) {
    var doc;
    try {
      doc = frame.contentDocument;
    } catch (e) {
      return; // another origin: nothing to read
    }
    if (!doc || !doc.documentElement || !doc.body) return;
    // From a small height up, so that a frame can grow shorter too (after
    // the window got wider); the page's scroll position stays.
    var y = window.scrollY;
    frame.style.minHeight = '4rem';
    frame.style.height = '0px';
    var h = Math.max(doc.documentElement.scrollHeight, doc.body.scrollHeight);
    // The scroll bar a wide table needs goes below the content.
    if (doc.documentElement.scrollWidth > doc.documentElement.clientWidth) h += 20;
    // Its borders on top when the style sheet counts them in the height.
    if (getComputedStyle(frame).boxSizing === 'border-box') h += frame.offsetHeight - frame.clientHeight;
    frame.style.height = h + 'px';
    window.scrollTo(window.scrollX, y);
  }

  Array.prototype.forEach.call(frames, function (frame) {
    frame.addEventListener('load', function () {
      fit(frame);
    });
    if (frame.contentDocument && frame.contentDocument.readyState === 'complete' &&
        frame.contentDocument.URL !== 'about:blank') fit(frame);
  });
  var pending = 0;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      Array.prototype.forEach.call(frames, fit);
    }, 100);
  });
})();
