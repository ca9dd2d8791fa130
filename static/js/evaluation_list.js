// The list of forms: the 全选 checkbox of the batch review ticks every form of the page,
// and follows them when they are ticked by hand.
(function () {
  "use strict";

  var all = document.querySelector("[data-select-all]");
  if (!all) { return; }
  function boxes() { return document.querySelectorAll("input[name='ids'][form='batch-form']"); }

  all.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
  });
  document.addEventListener("change", function (event) {
    if (event.target.name !== "ids") { return; }
    var list = Array.prototype.slice.call(boxes());
    var ticked = list.filter(function (box) { return box.checked; }).length;
    all.checked = list.length > 0 && ticked === list.length;
    all.indeterminate = ticked > 0 && ticked < list.length;
  });
}());
