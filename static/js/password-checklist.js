// The registration page's password checklist, updated as the agent types. The same rules are
// checked on the server (agents/passwords.py); without JavaScript the list is shown after Sign Up.
(function () {
  "use strict";

  function longestRun(text, follows) {
    var longest = text ? 1 : 0;
    var current = longest;
    for (var i = 1; i < text.length; i += 1) {
      current = follows(text[i - 1], text[i]) ? current + 1 : 1;
      longest = Math.max(longest, current);
    }
    return longest;
  }

  function sequential(direction) {
    return function (a, b) {
      a = a.toLowerCase();
      b = b.toLowerCase();
      var digits = /[0-9]/.test(a) && /[0-9]/.test(b);
      var letters = /[a-z]/.test(a) && /[a-z]/.test(b);
      return (digits || letters) && b.charCodeAt(0) - a.charCodeAt(0) === direction;
    };
  }

  var rules = {
    no_spaces: function (p) { return !/\s/.test(p); },
    length: function (p) { return p.length >= 8 && p.length <= 20; },
    number: function (p) { return /[0-9]/.test(p); },
    lower: function (p) { return p !== p.toUpperCase(); },
    upper: function (p) { return p !== p.toLowerCase(); },
    special: function (p) { return /[^\p{L}\p{N}\s]/u.test(p); },
    repetitive: function (p) { return longestRun(p, function (a, b) { return a === b; }) <= 3; },
    sequential: function (p) { return longestRun(p, sequential(1)) <= 3 && longestRun(p, sequential(-1)) <= 3; }
  };

  document.querySelectorAll("[data-password-checklist]").forEach(function (checklist) {
    var input = document.getElementById(checklist.getAttribute("data-password-checklist"));
    if (!input) { return; }
    input.addEventListener("input", function () {
      var password = input.value;
      checklist.querySelectorAll("[data-rule]").forEach(function (item) {
        var status = item.querySelector(".hod-checklist__status");
        var met = password.length > 0 && rules[item.getAttribute("data-rule")](password);
        item.classList.toggle("is-met", met);
        item.classList.toggle("is-unmet", password.length > 0 && !met);
        status.textContent = password.length === 0 ? "" : status.getAttribute(met ? "data-met" : "data-unmet");
      });
    });
  });
}());
