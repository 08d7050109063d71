// "Nearest to me": asks the browser for the position only when the citizen clicks, sorts the
// centre list by straight-line distance here in the page, and sends nothing to the server.
(function () {
  "use strict";
  var button = document.getElementById("nearest-button");
  var list = document.getElementById("centre-list");
  var status = document.getElementById("nearest-status");
  var note = document.getElementById("nearest-note");
  if (!button || !list || !("geolocation" in navigator)) {
    return;
  }
  button.hidden = false;
  note.hidden = false;

  function distanceKm(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180;
    var dLat = (lat2 - lat1) * rad;
    var dLon = (lon2 - lon1) * rad;
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 6371 * 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
  }

  function sortByDistance(lat, lon) {
    var items = Array.prototype.slice.call(list.children);
    items.forEach(function (item) {
      var itemLat = parseFloat(item.dataset.lat);
      var itemLon = parseFloat(item.dataset.lon);
      item.distance = isNaN(itemLat) || isNaN(itemLon) ? Infinity : distanceKm(lat, lon, itemLat, itemLon);
      var label = item.querySelector(".distance");
      if (label && isFinite(item.distance)) {
        var km = item.distance < 10 ? item.distance.toFixed(1) : Math.round(item.distance).toString();
        label.textContent = button.dataset.km.replace("{distance}", km);
        label.hidden = false;
      }
    });
    items.sort(function (a, b) { return a.distance - b.distance; });
    items.forEach(function (item) { list.appendChild(item); });
    status.textContent = button.dataset.sorted;
  }

  button.addEventListener("click", function () {
    status.textContent = button.dataset.locating;
    navigator.geolocation.getCurrentPosition(
      function (position) { sortByDistance(position.coords.latitude, position.coords.longitude); },
      function () { status.textContent = button.dataset.denied; },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 }
    );
  });
}());
