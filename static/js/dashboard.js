/* Draws the dashboard charts from the JSON blocks that the page carries (json_script).
 * Each <div data-chart="NAME" data-kind="..."> gets the data of <script id="chart-NAME">.
 * No inline script anywhere: a later CSP forbids it. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  if (typeof Chart === "undefined") {
    return;
  }
  var FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif';
  var COLORS = {
    not_started: "#adb5bd",
    draft: "#6c757d",
    submitted: "#0d6efd",
    returned: "#dc3545",
    approved: "#198754",
    annual_budget: "#9ec5fe",
    executed: "#0d6efd",
    total_score: "#0d6efd",
    execution_rate: "#198754"
  };
  var GRADE_COLORS = ["#198754", "#0d6efd", "#fd7e14", "#dc3545", "#6c757d"];
  var SCORE_COLOR = "#6f42c1";
  var LABEL_LENGTH = 14;

  Chart.defaults.font.family = FONT;
  Chart.defaults.font.size = 13;
  Chart.defaults.color = "#212529";
  Chart.defaults.animation = false;

  function readData(name) {
    var element = document.getElementById("chart-" + name);
    return element ? JSON.parse(element.textContent) : null;
  }

  function numbers(values) {
    return values.map(function (value) {
      return value === null || value === undefined ? null : Number(value);
    });
  }

  function shortLabel(label) {
    return label.length > LABEL_LENGTH ? label.slice(0, LABEL_LENGTH - 1) + "…" : label;
  }

  function fullLabel(items) {
    return items.length ? items[0].chart.data.labels[items[0].dataIndex] : "";
  }

  function datasets(spec, kind) {
    return spec.series.map(function (series) {
      var color = COLORS[series.key] || SCORE_COLOR;
      var dataset = { label: series.label, data: numbers(series.values), backgroundColor: color, borderColor: color };
      if (series.key === "grade") {
        dataset.backgroundColor = spec.labels.map(function (_, i) { return GRADE_COLORS[i % GRADE_COLORS.length]; });
      }
      if (kind === "line") {
        dataset.yAxisID = series.key === "execution_rate" ? "rate" : "score";
        dataset.tension = 0;
        dataset.spanGaps = true;
        dataset.pointRadius = 4;
      }
      return dataset;
    });
  }

  function options(kind, spec) {
    var horizontal = kind === "stacked-h" || kind === "grouped-h";
    var stacked = kind === "stacked-h";
    var base = {
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: { display: spec.series.length > 1, position: "bottom" },
        tooltip: { callbacks: { title: fullLabel } }
      }
    };
    if (kind === "line") {
      base.scales = {
        score: { type: "linear", position: "left", beginAtZero: true, title: { display: true, text: "总分" } },
        rate: { type: "linear", position: "right", beginAtZero: true, title: { display: true, text: "执行率（%）" }, grid: { drawOnChartArea: false } }
      };
      return base;
    }
    var valueAxis = { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } };
    var labelAxis = {
      stacked: stacked,
      ticks: {
        autoSkip: false,
        callback: function (value) { return shortLabel(this.getLabelForValue(value)); }
      }
    };
    base.indexAxis = horizontal ? "y" : "x";
    base.scales = horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis };
    return base;
  }

  function draw(box) {
    var spec = readData(box.dataset.chart);
    var canvas = box.querySelector("canvas");
    if (!spec || !canvas) {
      return;
    }
    var kind = box.dataset.kind || "bar";
    if (kind === "stacked-h" || kind === "grouped-h") {
      var perLabel = kind === "grouped-h" ? 34 : 26;
      box.style.height = Math.max(160, spec.labels.length * perLabel + 70) + "px";
    }
    box.chart = new Chart(canvas, {
      type: kind === "line" ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets(spec, kind) },
      options: options(kind, spec)
    });
  }

  document.querySelectorAll("[data-chart]").forEach(draw);

})();
