// The reporting pages' charts (Chart.js): each <canvas data-chart="name"> draws the series of that name
// from the page's JSON (#hod-charts). The same numbers are in the table beside each chart.
(function () {
  "use strict";
  var source = document.getElementById("hod-charts");
  if (!source || typeof Chart === "undefined") return;
  var charts = JSON.parse(source.textContent);
  // The USWDS palette's accessible colors: accepted green, withdrawn gray, expired red, open blue.
  var colors = ["#00a91c", "#71767a", "#d54309", "#005ea2", "#162e51"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var data = charts[canvas.dataset.chart];
    if (!data) return;
    var stacked = canvas.dataset.stacked === "true";
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: Object.keys(data.series).map(function (name, index) {
          return { label: name, data: data.series[name], backgroundColor: colors[index % colors.length] };
        }),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  });
})();
