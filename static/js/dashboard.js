/* Dashboard charts (Chart.js), drawn from the JSON the view renders into the page
   (#dashboard-data) — again after each htmx swap of the filtered content. Colours are the
   Okabe–Ito palette (readable with colour-blind vision); legends and tooltips carry the
   words, and the same figures are in the tables below each chart. */
(function () {
  "use strict";
  var COLOURS = {
    done_on_time: "#009E73",
    done_late: "#F0E442",
    not_done_in_time: "#0072B2",
    not_done_overdue: "#D55E00",
    no_deadline: "#999999",
    on_time: "#009E73",
    late: "#E69F00",
    missing: "#D55E00"
  };
  var charts = [];

  function percent(value) {
    return String(value).replace(".", ",") + "%";
  }

  function bar(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas || !window.Chart) return;
    charts.push(new window.Chart(canvas, config));
  }

  function dataset(label, key, values) {
    return {
      label: label,
      data: values,
      backgroundColor: COLOURS[key],
      borderColor: "#fff",
      borderWidth: 1
    };
  }

  function draw() {
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    var node = document.getElementById("dashboard-data");
    if (!node) return;
    var data = JSON.parse(node.textContent);
    window.Chart.defaults.locale = "vi-VN";  // 3.031, not 3,031
    var base = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12, font: { size: 11 } } } }
    };
    bar("chart-years", {
      type: "bar",
      data: {
        labels: data.years.labels,
        datasets: data.status_keys.map(function (key, i) {
          return dataset(data.status_labels[i], key, data.years.series[key]);
        })
      },
      options: Object.assign({}, base, {
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } }
      })
    });
    var rep = data.reporting;
    bar("chart-reporting", {
      type: "bar",
      data: {
        labels: rep.labels,
        datasets: ["on_time", "late", "missing"].map(function (key) {
          return dataset(rep.labels_series[key], key, rep.series[key]);
        })
      },
      options: Object.assign({}, base, {
        scales: { x: { stacked: true }, y: { stacked: true, max: 100, beginAtZero: true } },
        plugins: Object.assign({}, base.plugins, {
          tooltip: {
            callbacks: {
              title: function (items) { return rep.titles[items[0].dataIndex]; },
              label: function (c) { return c.dataset.label + ": " + percent(c.raw); }
            }
          }
        })
      })
    });
    bar("chart-sections", {
      type: "bar",
      data: {
        labels: data.sections.labels,
        datasets: [dataset("Tỷ lệ hoàn thành", "done_on_time", data.sections.values)]
      },
      options: Object.assign({}, base, {
        indexAxis: "y",
        scales: { x: { max: 100, beginAtZero: true } },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) { return data.sections.titles[items[0].dataIndex]; },
              label: function (c) { return "Hoàn thành: " + percent(c.raw); }
            }
          }
        }
      })
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.body.addEventListener("htmx:afterSettle", draw);
  // The unit filter opens the chosen unit's dashboard (a move along the unit tree).
  document.body.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-navigate]") && select.value) {
      event.stopPropagation();
      window.location.assign(select.value);
    }
  }, true);
})();
