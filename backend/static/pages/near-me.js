// "找离我近的": fills the hidden lat/lon fields from the phone's location and searches.
// The page works without this script: searching by city needs no JavaScript.
(function () {
  var button = document.getElementById("near-me");
  if (!button || !navigator.geolocation) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (position) {
      document.getElementById("f-lat").value = position.coords.latitude.toFixed(5);
      document.getElementById("f-lon").value = position.coords.longitude.toFixed(5);
      document.getElementById("search-form").submit();
    });
  });
})();
