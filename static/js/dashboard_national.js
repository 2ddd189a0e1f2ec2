/* National overview chart: completion and update rates per province (Okabe–Ito colours,
   words in the legend and tooltips; the table below has the same figures). */
(function () {
  "use strict";
  var chart = null;
  function draw() {
    if (chart) { chart.destroy(); chart = null; }
    var node = document.getElementById("national-data");
    var canvas = document.getElementById("chart-provinces");
    if (!node || !canvas || !window.Chart) return;
    var data = JSON.parse(node.textContent);
    window.Chart.defaults.locale = "vi-VN";
    canvas.parentNode.style.height = Math.max(240, 22 * data.labels.length + 60) + "px";
    chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: "Tỷ lệ hoàn thành", data: data.completion, backgroundColor: "#009E73" },
          { label: "Tỷ lệ cập nhật", data: data.update, backgroundColor: "#0072B2" }
        ]
      },
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
        scales: { x: { max: 100, beginAtZero: true } },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + String(c.raw).replace(".", ",") + "%"; } } }
        }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.body.addEventListener("htmx:afterSettle", draw);
})();
