/* landprofile: geopandas' categorical legends, draggable without jQuery UI.
 *
 * gdf.explore(column=..., categorical=True) adds a legend (.maplegend) that jQuery UI
 * makes draggable, loaded from code.jquery.com. An offline map loads nothing: this
 * replaces that script with pointer events, with the same behaviour (the legend follows
 * the pointer; once moved it is placed by its top-left corner).
 */
(function () {
  "use strict";
  function draggable(el) {
    var start = null;
    el.style.cursor = "move";
    el.style.touchAction = "none";
    el.addEventListener("pointerdown", function (e) {
      var r = el.getBoundingClientRect();
      var p = el.offsetParent ? el.offsetParent.getBoundingClientRect() : {left: 0, top: 0};
      el.style.right = "auto";
      el.style.bottom = "auto";
      el.style.left = r.left - p.left + "px";
      el.style.top = r.top - p.top + "px";
      start = {x: e.clientX, y: e.clientY, left: r.left - p.left, top: r.top - p.top};
      el.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    el.addEventListener("pointermove", function (e) {
      if (!start) { return; }
      el.style.left = start.left + e.clientX - start.x + "px";
      el.style.top = start.top + e.clientY - start.y + "px";
    });
    function stop() { start = null; }
    el.addEventListener("pointerup", stop);
    el.addEventListener("pointercancel", stop);
  }
  function init() {
    document.querySelectorAll(".maplegend").forEach(draggable);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
