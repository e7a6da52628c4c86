/*
 * Sends the report form (report.njk), or the follow-up page's reply form
 * (followUpTip.njk), by script when the browser can. Progressive
 * enhancement: without this file the form posts as a plain HTML form, exactly
 * as before. With it:
 *   - one send per page: the button is disabled and a second tap does nothing;
 *   - photos are checked against the server's limits before any byte is sent,
 *     and large ones are shrunk first (photoShrink.js);
 *   - "Đang gửi…" shows the upload's progress;
 *   - the server's answer (the receipt page or the follow-up page, or the form
 *     with its errors) replaces this page, as the plain post would have shown it.
 * If the connection drops, the form comes back as it was. Sending again uses
 * the same form token, so a tip that did arrive gives back its same receipt,
 * and a reply that did arrive is not stored a second time.
 * Every text and limit comes from the data- attributes of #send-status.
 */
(function () {
  "use strict";

  var form = document.querySelector("form.report-form, form.reply-form");
  var status = document.getElementById("send-status");
  var input = document.getElementById("photos");
  if (!form || !status || !input || !window.FormData || !window.XMLHttpRequest) return;

  var button = form.querySelector("button[type=submit]");
  var text = status.querySelector(".send-status-text");
  var bar = status.querySelector("progress");
  var buttonLabel = button.textContent;
  var maxPhotos = Number(status.getAttribute("data-max-photos"));
  var maxBytes = Number(status.getAttribute("data-max-photo-bytes"));
  var types = (input.getAttribute("accept") || "").split(",");
  var keepLocation = document.getElementById("sharePhotoLocation");
  var sending = false;

  function say(name, values) {
    return String(status.getAttribute("data-" + name) || "").replace(/\{(\w+)\}/g, function (match, key) {
      return values && Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function show(message, percent, failed) {
    status.hidden = false;
    status.classList.toggle("is-failed", !!failed);
    if (text.textContent !== message) text.textContent = message;
    bar.hidden = percent === undefined;
    if (percent !== undefined) bar.value = percent;
  }

  /** A photo problem next to the field, as the server would show it; nothing is sent. */
  function photoError(message) {
    var field = input.closest(".field");
    var error = document.getElementById("photos-error");
    if (!error) {
      error = document.createElement("p");
      error.className = "field-error";
      error.id = "photos-error";
      input.parentNode.insertBefore(error, input);
    }
    error.textContent = message;
    field.classList.add("has-error");
    input.setAttribute("aria-invalid", "true");
    if ((input.getAttribute("aria-describedby") || "").indexOf("photos-error") < 0) {
      input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " photos-error").trim());
    }
    input.focus();
  }

  function clearPhotoError() {
    var error = document.getElementById("photos-error");
    if (error) error.parentNode.removeChild(error);
    input.closest(".field").classList.remove("has-error");
    input.removeAttribute("aria-invalid");
    input.setAttribute("aria-describedby", (input.getAttribute("aria-describedby") || "").replace("photos-error", "").trim());
  }

  /** The count and type limits; size is checked after shrinking. */
  function checkPhotos(files) {
    if (files.length > maxPhotos) return say("too-many");
    for (var i = 0; i < files.length; i++) {
      if (files[i].type && types.indexOf(files[i].type) < 0) return say("bad-type");
    }
    return "";
  }

  /** Resolves to the blobs to send, in order; rejects with a message when one is still too large. */
  function preparePhotos(files) {
    var shrink = keepLocation && keepLocation.checked ? null : window.homthuShrinkPhoto;
    var ready = [];
    var chain = Promise.resolve();
    Array.prototype.forEach.call(files, function (file) {
      chain = chain
        .then(function () {
          // The GPS position the tipster chose to share lives in the photo's EXIF: such a photo goes unshrunk.
          return shrink ? shrink(file) : null;
        })
        .then(function (small) {
          var photo = small || file;
          if (photo.size > maxBytes) throw { photoProblem: say("too-large") };
          ready.push(photo);
        });
    });
    return chain.then(function () {
      return ready;
    });
  }

  var EXTENSIONS = { "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp" };

  function body(photos) {
    var data = new FormData(form);
    data.delete("photos");
    photos.forEach(function (photo, i) {
      // A neutral name: a phone's file name often carries the time the photo was taken.
      data.append("photos", photo, "photo-" + (i + 1) + "." + (EXTENSIONS[photo.type] || "jpg"));
    });
    return data;
  }

  function replacePage(html) {
    document.open();
    document.write(html);
    document.close();
    window.scrollTo(0, 0);
  }

  function reset(message) {
    sending = false;
    button.disabled = false;
    button.textContent = buttonLabel;
    form.removeAttribute("aria-busy");
    if (message) show(message, undefined, true);
    else status.hidden = true;
  }

  function post(data) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) return;
      var percent = (event.loaded / event.total) * 100;
      // The text (read out by screen readers) moves in steps of ten; the bar moves smoothly.
      show(say("progress", { percent: Math.floor(percent / 10) * 10 }), percent);
    });
    xhr.addEventListener("load", function () {
      replacePage(xhr.responseText);
    });
    function failed() {
      reset(say("failed"));
    }
    xhr.addEventListener("error", failed);
    xhr.addEventListener("abort", failed);
    xhr.addEventListener("timeout", failed);
    xhr.send(data);
  }

  input.addEventListener("change", function () {
    clearPhotoError();
    var problem = checkPhotos(input.files);
    if (problem) photoError(problem);
  });

  // The submit event comes after the browser's own checks of required fields.
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) return;
    clearPhotoError();
    var problem = checkPhotos(input.files);
    if (problem) return photoError(problem);
    sending = true;
    button.disabled = true;
    button.textContent = say("sending");
    form.setAttribute("aria-busy", "true");
    show(input.files.length ? say("shrinking") : say("sending"));
    preparePhotos(input.files).then(
      function (photos) {
        show(say("progress", { percent: 0 }), 0);
        post(body(photos));
      },
      function (error) {
        reset();
        // Anything but a photo over the limit is this script's failure: the plain post still works.
        if (error && error.photoProblem) photoError(error.photoProblem);
        else form.submit();
      }
    );
  });

  // Back to this page from the browser's cache: it can be sent again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) reset();
  });
})();
