// Fanxiang's only script besides htmx: draws the ECharts charts a page declares with
// data-chart='{...option...}', loading the pinned ECharts copy only on pages that have one;
// and on the questionnaire, applies skip logic (data-show-if) and 最多选N项 (data-max) as the
// student answers. The server checks both again: without this script every question shows.
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

  function picked(form, question) {
    var boxes = form.querySelectorAll('[name="q' + question + '"]:checked');
    return Array.prototype.map.call(boxes, function (i) { return i.value; });
  }

  function applySkips(form) {
    // In question order, so a question hidden by one hidden in turn is hidden too.
    form.querySelectorAll("[data-show-if]").forEach(function (box) {
      var rule = JSON.parse(box.getAttribute("data-show-if"));
      var control = document.getElementById("q" + rule.question);
      var chosen = control && control.hidden ? [] : picked(form, rule.question);
      var show = chosen.length > 0 && (rule.any_of.length
        ? chosen.some(function (c) { return rule.any_of.indexOf(c) >= 0; })
        : !chosen.some(function (c) { return rule.none_of.indexOf(c) >= 0; }));
      box.hidden = !show;
      box.disabled = !show;
    });
  }

  function applyMax(form) {
    form.querySelectorAll("[data-max]").forEach(function (group) {
      var max = parseInt(group.getAttribute("data-max"), 10);
      var boxes = group.querySelectorAll('input[type="checkbox"]');
      var n = group.querySelectorAll('input[type="checkbox"]:checked').length;
      boxes.forEach(function (b) { b.disabled = !b.checked && n >= max; });
    });
  }

  function wireSurveys(root) {
    (root || document).querySelectorAll("form.survey:not([data-wired])").forEach(function (form) {
      form.setAttribute("data-wired", "");
      var update = function () { applySkips(form); applyMax(form); };
      form.addEventListener("change", update);
      update();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts(document);
    wireSurveys(document);
  });
  document.addEventListener("htmx:load", function (e) {
    drawCharts(e.target);
    wireSurveys(e.target);
  });
})();
