// Fanxiang's only script besides htmx: draws the ECharts charts a page declares with
// data-chart='{...option...}', loading the pinned ECharts copy only on pages that have one.
(function () {
  "use strict";
  var loading = null;

  function loadEcharts() {
    if (window.echarts) return Promise.resolve(window.echarts);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = "/static/vendor/echarts.common.min.js";
        s.onload = function () { resolve(window.echarts); };
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return loading;
  }

  function drawCharts(root) {
    var nodes = (root || document).querySelectorAll("[data-chart]:not([data-drawn])");
    if (!nodes.length) return;
    loadEcharts().then(function (echarts) {
      nodes.forEach(function (node) {
        node.setAttribute("data-drawn", "");
        var chart = echarts.init(node, null, { renderer: "canvas" });
        chart.setOption(JSON.parse(node.getAttribute("data-chart")));
        new ResizeObserver(function () { chart.resize(); }).observe(node);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:load", function (e) { drawCharts(e.target); });
})();
