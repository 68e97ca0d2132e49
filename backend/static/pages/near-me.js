// "找离我近的" / "用我的位置查": fills the hidden lat/lon fields of the button's form from the phone's
// location and submits it. The pages work without this script: no location, no distances.
(function () {
  var button = document.getElementById("near-me");
  if (!button || !navigator.geolocation) { return; }
  var form = button.form || document.getElementById("search-form");
  var hint = document.getElementById("h-near-me");
  button.hidden = false;
  if (hint) { hint.hidden = false; }
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (position) {
      form.querySelector("[name=lat]").value = position.coords.latitude.toFixed(5);
      form.querySelector("[name=lon]").value = position.coords.longitude.toFixed(5);
      form.submit();
    });
  });
})();
