/* The KPI page's charts: drawn by Chart.js from the JSON that the template puts
 * next to each canvas (json_script); no inline code, so a strict content security
 * policy can forbid inline scripts. Without JavaScript the data tables remain. */
(function () {
  "use strict";

  if (typeof window.Chart === "undefined") {
    return;
  }

  // Fixed colours per series, so a status or a measure looks the same on every chart.
  var COLOURS = {
    received: "#8c959f",
    processing: "#0b5cad",
    picking: "#8250df",
    packing: "#bf8700",
    ready_to_ship: "#1a7f37",
    shipped: "#0598bc",
    delivered: "#116329",
    post_delivery: "#6e7781",
    completed: "#2da44e",
    cancelled: "#cf222e",
    on_hold: "#bc4c00",
    median: "#0b5cad",
    p90: "#bc4c00",
    within_time: "#1a7f37",
    overdue: "#a40e26",
    net_revenue: "#0b5cad",
    costs: "#bc4c00"
  };
  var FALLBACK = "#57606a";

  function numbers(values) {
    // Money arrives as strings to keep its exact value; empty weeks as null (a gap).
    return values.map(function (value) {
      return value === null ? null : Number(value);
    });
  }

  function datasets(source, kind) {
    return source.datasets.map(function (series) {
      var colour = COLOURS[series.key] || FALLBACK;
      var dataset = {
        label: series.label,
        data: numbers(series.data),
        backgroundColor: colour,
        borderColor: colour
      };
      if (kind === "line") {
        dataset.spanGaps = true;
        dataset.tension = 0.2;
        dataset.pointRadius = 3;
      }
      return dataset;
    });
  }

  function config(canvas, source) {
    var kind = canvas.dataset.chart === "on_time" ? "line" : "bar";
    var stacked = canvas.dataset.stacked === "true";
    var y = {
      beginAtZero: true,
      stacked: stacked,
      title: { display: Boolean(source.axis), text: source.axis }
    };
    if (canvas.dataset.chart === "on_time") {
      y.max = 100;
    }
    if (canvas.dataset.chart === "orders_per_day" || canvas.dataset.chart === "backlog") {
      y.ticks = { precision: 0 };
    }
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    return {
      type: kind,
      data: { labels: source.labels, datasets: datasets(source, kind) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 400 },
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom" } },
        scales: { x: { stacked: stacked }, y: y }
      }
    };
  }

  function draw() {
    var canvases = document.querySelectorAll("canvas[data-chart][data-source]");
    Array.prototype.forEach.call(canvases, function (canvas) {
      var element = document.getElementById(canvas.dataset.source);
      if (!element) {
        return;
      }
      new window.Chart(canvas, config(canvas, JSON.parse(element.textContent)));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
