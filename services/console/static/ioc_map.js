// The IOC map: Leaflet with no tile layer, so that it works on a LAN without internet.
// It draws the commune's outline (#map's data-outline) and each location of #map-data:
// a circle sized by its devices and coloured by its worst active alert, a dashed ring
// where a device fell silent. htmx swaps a new #map-data in beside the alerts (out of
// band); the markers are drawn again from it.
(function () {
  "use strict";
  var COLOURS = {ALERT_SEVERITY_CRITICAL: "#6a040f", ALERT_SEVERITY_HIGH: "#b3261e",
                 ALERT_SEVERITY_MEDIUM: "#8a5a00", ALERT_SEVERITY_LOW: "#2f6690"};
  var QUIET = "#3a7d44";
  // the worst drawn last, on top of quieter neighbours
  var RANK = {ALERT_SEVERITY_LOW: 1, ALERT_SEVERITY_MEDIUM: 2, ALERT_SEVERITY_HIGH: 3,
              ALERT_SEVERITY_CRITICAL: 4};
  var box = document.getElementById("map");
  if (!box || !window.L) return;
  var map = L.map(box, {attributionControl: false, zoomSnap: 0.25});
  L.control.scale({imperial: false}).addTo(map);
  var markers = L.layerGroup().addTo(map);
  var fitted = false;

  function text(words) {  // Leaflet puts a string in as HTML; names are data, not markup
    var span = document.createElement("span");
    span.textContent = words;
    return span;
  }

  if (box.dataset.outline) {
    var shape = L.geoJSON(JSON.parse(box.dataset.outline), {
      style: {color: "#555", weight: 1.5, dashArray: "6 4", fillColor: "#e8f0e0",
              fillOpacity: 0.6}}).addTo(map);
    shape.bindTooltip(text(box.dataset.outlineLabel), {sticky: true});
    map.fitBounds(shape.getBounds());
    fitted = true;
  }

  function draw() {
    var data = JSON.parse(document.getElementById("map-data").dataset.map);
    markers.clearLayers();
    data.villages.forEach(function (v) {
      L.marker([v.latitude, v.longitude], {
        icon: L.divIcon({className: "village", html: text(v.name), iconSize: null}),
        interactive: false, keyboard: false}).addTo(markers);
    });
    data.points.slice().sort(function (a, b) {
      return (RANK[a.severity] || 0) - (RANK[b.severity] || 0);
    }).forEach(function (p) {
      var at = [p.latitude, p.longitude];
      if (p.silent) {
        L.circleMarker(at, {radius: 9 + 2 * p.devices.length, color: COLOURS.ALERT_SEVERITY_CRITICAL,
                            weight: 2, dashArray: "3 2", fill: false, interactive: false,
                            className: "silent"}).addTo(markers);
      }
      L.circleMarker(at, {radius: 6 + p.devices.length, color: "#fff", weight: 1,
                          fillColor: COLOURS[p.severity] || QUIET, fillOpacity: 0.85,
                          className: "place " + (p.severity ? "alerting" : "quiet")})
        .bindTooltip(text(p.label)).addTo(markers);
    });
    if (!fitted && data.points.length) {
      map.fitBounds(L.latLngBounds(data.points.map(function (p) {
        return [p.latitude, p.longitude]; })).pad(0.2));
      fitted = true;
    }
  }

  draw();
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.target.id === "map-data") draw();
  });
})();
