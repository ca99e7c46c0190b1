// Leave quickly, faster: pressing Shift three times within a second hides the page at once
// and follows the same "Leave quickly" link that works without JavaScript. Nothing is stored.
(function () {
  "use strict";
  var link = document.getElementById("leave-quickly");
  if (!link) { return; }
  var presses = [];
  function leave() {
    document.documentElement.classList.add("is-leaving");
    document.title = "";
    window.location.replace(link.href);
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift" || event.repeat) { return; }
    var now = Date.now();
    presses = presses.filter(function (t) { return now - t < 1000; });
    presses.push(now);
    if (presses.length >= 3) { leave(); }
  });
  link.addEventListener("click", function (event) {
    event.preventDefault();
    leave();
  });
}());
