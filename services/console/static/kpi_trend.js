// One indicator's approved value and its target, quarter by quarter (ECharts' small
// build: a line each, the values written at the points; the table below the chart holds
// the same figures for screen readers and without scripts).
(function () {
  "use strict";
  var box = document.getElementById("trend");
  if (!box || !window.echarts) return;
  var series = JSON.parse(box.dataset.series);
  var names = JSON.parse(box.dataset.names);
  var number = new Intl.NumberFormat(document.documentElement.lang,
                                     {maximumFractionDigits: 2});
  function shown(params) { return number.format(params.value); }
  var chart = echarts.init(box);
  chart.setOption({
    animation: false,
    aria: {enabled: true},
    grid: {left: 48, right: 24, top: 24, bottom: 28},
    xAxis: {type: "category", data: series.map(function (q) { return q.period; })},
    // room below the lowest figure, so that a target there is not drawn on the axis
    yAxis: {type: "value", axisLabel: {formatter: number.format},
            min: function (range) {
              return Math.max(0, Math.floor(range.min - (range.max - range.min) * 0.2 - 1)); }},
    series: [
      {name: names.value, type: "line", color: "#2f6690", symbolSize: 8,
       data: series.map(function (q) { return q.value; }),
       label: {show: true, position: "top", formatter: shown}},
      {name: names.target, type: "line", color: "#8a5a00", symbol: "none",
       lineStyle: {type: "dashed"}, data: series.map(function (q) { return q.target; })}
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
