// Copy buttons: the only script on opub's pages, and an optional one. Each <button data-copy="ID">
// (rendered hidden) is shown and copies the text of the element with that id. Without JavaScript the
// buttons stay hidden and the text can be selected and copied by hand.
"use strict";
document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) { return; }
    var status = document.getElementById(button.getAttribute("data-copy") + "-status");
    button.hidden = false;
    button.addEventListener("click", function () {
        var text = target.textContent;
        var done = function (message) { if (status) { status.textContent = message; } };
        var selectText = function () {
            var range = document.createRange();
            range.selectNodeContents(target);
            var selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            done("Selected: press Ctrl+C (or ⌘C) to copy.");
        };
        if (navigator.clipboard && window.isSecureContext) {
            navigator.clipboard.writeText(text).then(function () { done("Copied."); }, selectText);
        } else {
            selectText();
        }
    });
});
