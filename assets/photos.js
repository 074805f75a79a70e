/* Photos on a slow phone: shrink, upload at once, show progress, retry, and never send a form half-way.

   Markup comes from portal/shell/photos.py (`photo_field`): a [data-photo-field] box with a hidden file input, an
   "add" button, an empty list this script fills, and either a hidden form field (name="photos": the tokens the form
   sends) or a hidden text "sink" whose change event hands each token to the page's state. Buttons marked
   [data-photo-guard] (and the submit of a form holding a field) stay disabled, saying why, while any photo is
   still shrinking, uploading or failed; a submit that gets through anyway (keyboard, script) is stopped here.

   Shrinking: longest side 1600 px, JPEG quality 0.8 (about 300 KB for a phone photo), re-encoded through a canvas,
   which drops EXIF (the location) too. The server's image intake still checks every byte. */
(function () {
  "use strict";
  if (window.__sdPhotos) return;
  window.__sdPhotos = true;

  var MAX_SIDE = 1600, QUALITY = 0.8;
  var MAX_RAW = 40 * 1024 * 1024;   // not worth decoding on a phone
  var MAX_SEND = 10 * 1024 * 1024;  // kernel/images IntakePolicy.max_bytes
  var MAX_PIXELS = 40000000;         // kernel/images IntakePolicy.max_pixels: never decode more on a phone
  var seq = 0;

  function msg(field, name) { return field.getAttribute("data-msg-" + name) || ""; }
  function fields() { return Array.prototype.slice.call(document.querySelectorAll("[data-photo-field]")); }
  function items(field) { return Array.prototype.slice.call(field.querySelectorAll("li.photo-row")); }
  function busy(field) {
    return items(field).filter(function (li) { return li.dataset.state !== "done"; });
  }

  // The picture's size from its header alone (an <img> reads it before decoding the pixels); null if unreadable.
  function measure(file) {
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(file), img = new Image();
      var finish = function (v) { URL.revokeObjectURL(url); resolve(v); };
      img.onload = function () { finish({ w: img.naturalWidth, h: img.naturalHeight }); };
      img.onerror = function () { finish(null); };
      img.src = url;
    });
  }

  function shrink(file) {
    if (!window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
      var w = Math.max(1, Math.round(bmp.width * scale)), h = Math.max(1, Math.round(bmp.height * scale));
      var canvas = document.createElement("canvas");
      canvas.width = w; canvas.height = h;
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, w, h);  // a transparent PNG becomes white, not black
      ctx.drawImage(bmp, 0, 0, w, h);
      if (bmp.close) bmp.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", QUALITY);
      });
    }, function () { return file; });  // not a picture this browser decodes: the server decides and says why
  }

  function setError(field, text) {
    var box = field.querySelector(".photo-error");
    if (!box) return;
    if (box.textContent !== (text || "")) box.textContent = text || "";
    box.hidden = !text;
  }

  function sync(field) {
    var done = items(field).filter(function (li) { return li.dataset.state === "done" && li.dataset.token; });
    var out = field.querySelector("input[data-photo-tokens]");
    if (out) out.value = done.map(function (li) { return li.dataset.token; }).join(",");
    refreshGuards();
  }

  function render(li, field) {
    var state = li.dataset.state;
    var status = li.querySelector(".photo-status");
    var bar = li.querySelector("progress");
    var retry = li.querySelector(".photo-retry");
    var pct = Math.round(100 * (parseFloat(li.dataset.progress || "0")));
    if (state === "shrinking") status.textContent = msg(field, "shrinking");
    else if (state === "uploading") status.textContent = msg(field, "uploading").replace("{pct}", String(pct));
    else if (state === "done") status.textContent = msg(field, "done");
    else status.textContent = li.dataset.error || msg(field, "failed");
    bar.hidden = state !== "uploading";
    bar.value = pct;
    retry.hidden = state !== "failed";
    li.setAttribute("aria-busy", state === "uploading" || state === "shrinking" ? "true" : "false");
  }

  function send(li, field) {
    li.dataset.state = "uploading"; li.dataset.progress = "0"; render(li, field); refreshGuards();
    var blob = li._blob;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", field.getAttribute("data-url"));
    xhr.setRequestHeader("Content-Type", blob.type || "application/octet-stream");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { li.dataset.progress = String(e.loaded / e.total); render(li, field); }
    };
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (xhr.status === 200 && body && body.token) {
        li.dataset.token = body.token; li.dataset.state = "done"; render(li, field);
        var sink = field.querySelector("input.photo-sink");
        if (sink) {
          handOver(sink, body.token);
          li.remove();  // the page's own list shows it from now on
        }
        sync(field);
        return;
      }
      var text = (body && body.message) || msg(field, "failed");
      // Busy, quota or a server fault may pass: keep the photo, offer a retry. Anything else was refused.
      if (xhr.status === 429 || xhr.status >= 500) fail(li, field, text);
      else refuse(li, field, text);
    };
    xhr.onerror = function () { fail(li, field, msg(field, "network")); };
    xhr.send(blob);
  }

  function handOver(sink, token) {
    // React reads the change only through the value setter of the prototype (its own tracker sits on the element).
    var setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
    setter.call(sink, token + "#" + (++seq));
    sink.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function fail(li, field, text) {
    li.dataset.state = "failed"; li.dataset.error = text; render(li, field); sync(field);
  }

  function refuse(li, field, text) {
    setError(field, text);
    drop(li, field);
  }

  function drop(li, field) {
    if (li._url) URL.revokeObjectURL(li._url);
    li.remove();
    items(field).forEach(function (other, i) {
      other.querySelector("img").alt = msg(field, "photo") + " " + (i + 1);
    });
    sync(field);
  }

  function add(field, file) {
    var list = field.querySelector(".photo-list");
    var li = document.createElement("li");
    li.className = "photo-row";
    li.dataset.state = "shrinking";
    li.innerHTML = '<img class="photo-thumb" alt="">' +
      '<div class="photo-meta"><span class="photo-status" aria-live="polite"></span>' +
      '<progress max="100" value="0"></progress></div>' +
      '<button type="button" class="photo-retry"></button><button type="button" class="photo-remove"></button>';
    li.querySelector(".photo-retry").textContent = msg(field, "retry");
    li.querySelector(".photo-remove").textContent = msg(field, "remove");
    list.appendChild(li);
    li.querySelector("img").alt = msg(field, "photo") + " " + items(field).length;
    render(li, field); refreshGuards();
    measure(file).then(function (size) {
      if (size && size.w * size.h > MAX_PIXELS) return "too-many-pixels";
      return size ? shrink(file) : file;  // unreadable here: the server decides and says why
    }).then(function (blob) {
      if (blob === "too-many-pixels") { refuse(li, field, msg(field, "too-many-pixels")); return; }
      if (!li.isConnected) return;
      if (blob.size > MAX_SEND) { refuse(li, field, msg(field, "too-large")); return; }
      li._blob = blob;
      li._url = URL.createObjectURL(blob);
      li.querySelector("img").src = li._url;
      send(li, field);
    });
  }

  function choose(field, input) {
    var files = Array.prototype.slice.call(input.files || []);
    input.value = "";  // the same photo can be chosen again after a removal
    if (!files.length) return;
    setError(field, "");
    var room = parseInt(field.getAttribute("data-max") || "5", 10) - items(field).length;
    if (files.length > room) {
      setError(field, msg(field, "too-many"));
      return;
    }
    files.forEach(function (file) {
      if (file.size > MAX_RAW) { setError(field, msg(field, "too-large")); return; }
      add(field, file);
    });
  }

  // --- the guard: nothing is sent while a photo is on its way ---------------------------------------------------

  function pendingIn(root) {
    return fields().filter(function (f) { return root.contains(f); })
      .reduce(function (n, f) { return n + busy(f).length; }, 0);
  }

  function failedIn(root) {
    return fields().filter(function (f) { return root.contains(f); }).reduce(function (n, f) {
      return n + busy(f).filter(function (li) { return li.dataset.state === "failed"; }).length;
    }, 0);
  }

  function reason(root, field) {
    if (failedIn(root)) return msg(field, "wait-failed");
    if (pendingIn(root)) return msg(field, "wait");
    return "";
  }

  function guardedButtons() {
    var out = Array.prototype.slice.call(document.querySelectorAll("[data-photo-guard]"));
    fields().forEach(function (f) {
      var form = f.closest("form");
      if (form) out = out.concat(Array.prototype.slice.call(form.querySelectorAll("button[type=submit]")));
    });
    return out;
  }

  function scopeOf(el) { return el.closest("form") || document.body; }

  function refreshGuards() {
    var all = fields();
    var first = all[0];
    guardedButtons().forEach(function (btn) {
      var root = scopeOf(btn);
      var field = all.filter(function (f) { return root.contains(f); })[0] || first;
      var why = field ? reason(root, field) : "";
      if (why) {
        // Remember whether the page itself had it disabled (no category yet, busy), to give that back later.
        if (!btn.dataset.photoBlocked) btn.dataset.photoWas = btn.disabled ? "1" : "0";
        btn.dataset.photoBlocked = "1";
        if (!btn.disabled) btn.disabled = true;  // unchanged: no mutation, no loop
        btn.classList.add("photo-blocked");
      } else if (btn.dataset.photoBlocked) {
        var was = btn.dataset.photoWas === "1";
        delete btn.dataset.photoBlocked;
        delete btn.dataset.photoWas;
        btn.disabled = was;
        btn.classList.remove("photo-blocked");
      }
    });
    document.querySelectorAll("[data-photo-wait]").forEach(function (note) {
      var root = scopeOf(note);
      var field = all.filter(function (f) { return root.contains(f); })[0] || first;
      var why = field ? reason(root, field) : "";
      if (note.textContent !== why) note.textContent = why;  // unchanged text: no mutation, no loop
      if (note.hidden !== !why) note.hidden = !why;
    });
  }

  function refusal(root) {
    var field = fields().filter(function (f) { return root.contains(f); })[0];
    return field ? reason(root, field) : "";
  }

  function stop(e, root) {
    var why = refusal(root);
    if (!why) return false;
    e.preventDefault();
    e.stopImmediatePropagation();
    refreshGuards();
    var note = root.querySelector("[data-photo-wait]") || document.querySelector("[data-photo-wait]");
    if (note) { note.hidden = false; note.textContent = why; note.scrollIntoView({ block: "center" }); }
    return true;
  }

  // Capture on window: runs before React's listeners on the root, so a stopped submit never reaches the state.
  window.addEventListener("submit", function (e) {
    var form = e.target;
    if (form && form.querySelector && form.querySelector("[data-photo-field]")) stop(e, form);
  }, true);

  window.addEventListener("click", function (e) {
    var t = e.target instanceof Element ? e.target : null;
    if (!t) return;
    var guard = t.closest("[data-photo-guard]");
    if (guard) { if (stop(e, scopeOf(guard))) return; }
    var field = t.closest("[data-photo-field]");
    if (!field) return;
    if (t.closest(".photo-add")) {
      var block = field.getAttribute("data-block");
      if (block) { setError(field, block); return; }
      field.querySelector("input[type=file]").click();
    } else if (t.closest(".photo-retry")) {
      var li = t.closest("li.photo-row");
      if (li && li._blob) send(li, field);
    } else if (t.closest(".photo-remove")) {
      var row = t.closest("li.photo-row");
      if (row) drop(row, field);
    }
  }, true);

  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    var field = input.closest("[data-photo-field]");
    if (field) choose(field, input);
  }, true);

  // Leaving the page with a photo on its way loses it: ask first.
  window.addEventListener("beforeunload", function (e) {
    if (pendingIn(document.body)) { e.preventDefault(); e.returnValue = ""; }
  });

  // React re-renders buttons (a language switch, a busy flag): put the guard state back on them.
  // React enabling a blocked button (a category chosen meanwhile) is noted and undone until the photos are done.
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      var el = r.target;
      if (r.type === "attributes" && el.dataset && el.dataset.photoBlocked && !el.disabled) el.dataset.photoWas = "0";
    });
    if (fields().length) refreshGuards();
  }).observe(document.documentElement,
             { childList: true, subtree: true, attributes: true, attributeFilter: ["disabled"] });

  // After a form is sent and React keeps the same form (adding information), its photos are spent.
  window.__sdPhotosClear = function (id) {
    var field = document.getElementById(id);
    if (!field) return;
    items(field).forEach(function (li) { if (li._url) URL.revokeObjectURL(li._url); li.remove(); });
    setError(field, ""); sync(field);
  };
})();
