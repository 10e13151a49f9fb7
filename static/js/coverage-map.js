// The coverage page's map: the states drawn from the pre-projected us-atlas TopoJSON (Albers USA, 975 × 610,
// so d3.geoPath() needs no projection and nothing is fetched from elsewhere), each coloured by its eligible
// agents or its waiting referrals. The drawing is one image with a text alternative pointing to the table;
// above it, a transparent copy of each state is a link to its row, for the keyboard and the mouse.
(function () {
  "use strict";
  var holder = document.getElementById("hod-coverage-map");
  var source = document.getElementById("hod-coverage");
  if (!holder || !source || typeof d3 === "undefined" || typeof topojson === "undefined") return;
  var states = JSON.parse(source.textContent);
  var SVG = "http://www.w3.org/2000/svg";
  var NOT_SERVED = "url(#hod-not-served)";
  // USWDS palette colours. Eligible agents: none in red (a gap), then light to dark blue; waiting
  // referrals: none in light gray, then orange to dark red.
  var MEASURES = {
    eligible: {
      title: "eligible agents (every rule but taking referrals)",
      thresholds: [1, 3, 10, 50],
      labels: ["No agent", "1–2", "3–9", "10–49", "50 or more"],
      colors: ["#f2938c", "#d9e8f6", "#73b3e7", "#2378c3", "#0b4778"],
    },
    waiting: {
      title: "referrals waiting now",
      thresholds: [1, 2, 5, 10],
      labels: ["None waiting", "1", "2–4", "5–9", "10 or more"],
      colors: ["#edeff0", "#f3bf90", "#e66f0e", "#d83933", "#8b0a03"],
    },
  };
  var codeByName = {};
  Object.keys(states).forEach(function (code) {
    codeByName[states[code].name] = code;
  });

  function element(name, attributes, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) {
      node.setAttribute(key, attributes[key]);
    });
    if (parent) parent.appendChild(node);
    return node;
  }

  function plural(count, word) {
    return count + " " + word + (count === 1 ? "" : "s");
  }

  function describe(state) {
    var parts = [plural(state.eligible, "eligible agent"), state.on + " on now", plural(state.waiting, "referral") + " waiting"];
    if (!state.served) parts.unshift("not served");
    return state.name + ": " + parts.join(", ") + ". Go to its row in the table.";
  }

  function fill(state, measure) {
    if (!state || !state.served) return NOT_SERVED;
    var scale = MEASURES[measure];
    return scale.colors[d3.bisectRight(scale.thresholds, state[measure])];
  }

  function legend(measure) {
    var list = document.getElementById("hod-map-legend");
    var scale = MEASURES[measure];
    list.setAttribute("aria-label", "Legend: " + scale.title);
    list.textContent = "";
    scale.labels
      .map(function (label, index) {
        return [label, "background: " + scale.colors[index]];
      })
      .concat([["Not served", ""]])
      .forEach(function (entry) {
        var item = document.createElement("li");
        var swatch = document.createElement("span");
        swatch.className = "hod-swatch" + (entry[1] ? "" : " hod-swatch-not-served");
        swatch.setAttribute("style", entry[1]);
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(entry[0]));
        list.appendChild(item);
      });
    list.hidden = false;
  }

  function draw(atlas) {
    var path = d3.geoPath(); // no projection: the atlas is projected already
    var shapes = topojson.feature(atlas, atlas.objects.states).features;
    var svg = element("svg", { viewBox: "0 0 975 610", focusable: "false" });
    var pattern = element(
      "pattern",
      { id: "hod-not-served", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
      element("defs", {}, svg)
    );
    element("rect", { width: 6, height: 6, fill: "#dfe1e2" }, pattern);
    element("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#a9aeb1", "stroke-width": 2 }, pattern);
    var picture = element("g", { role: "img" }, svg);
    var keys = element("g", { class: "hod-map-keys" }, svg);
    var painted = [];
    shapes.forEach(function (shape) {
      var code = codeByName[shape.properties.name];
      var outline = path(shape);
      painted.push([element("path", { d: outline, class: "hod-state", "data-state": code || "" }, picture), code]);
      if (code && states[code].in_table) {
        var link = element("a", { href: "#state-" + code, "aria-label": describe(states[code]) }, keys);
        element("title", {}, link).textContent = describe(states[code]);
        element("path", { d: outline }, link);
      }
    });

    function paint(measure) {
      painted.forEach(function (entry) {
        entry[0].setAttribute("fill", fill(states[entry[1]], measure));
      });
      picture.setAttribute(
        "aria-label",
        "Map of the states coloured by " + MEASURES[measure].title + ". The numbers are in the table below."
      );
      legend(measure);
    }

    holder.textContent = "";
    holder.appendChild(svg);
    paint("eligible");
    var choice = document.getElementById("hod-map-measure");
    choice.hidden = false;
    choice.addEventListener("change", function (event) {
      paint(event.target.value);
    });
    document.getElementById("hod-map-help").hidden = false;
  }

  fetch(holder.dataset.atlas)
    .then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    })
    .then(draw)
    .catch(function () {
      holder.textContent = "The map could not be drawn; the table below has every number.";
    });
})();
