/*
 * Shrinks a large photo in the browser before the report form sends it
 * (used by reportSending.js). A 12 MP phone photo is 3–8 MB: redrawn on a
 * canvas at most MAX_EDGE pixels on its long side and re-encoded as JPEG, it
 * is a few hundred KB and reaches the server in seconds on a slow
 * connection. Re-encoding also leaves the EXIF block behind (the server
 * strips metadata again anyway). The pixels never leave the page: no URL,
 * no network, so the Content-Security-Policy needs nothing new.
 */
(function () {
  "use strict";

  /** Long side after shrinking: plenty to recognise a place or a plant. */
  var MAX_EDGE = 2048;
  /** A photo at or under this size is sent as it is. */
  var TARGET_BYTES = 800 * 1024;
  /** JPEG qualities tried in turn until the photo fits TARGET_BYTES. */
  var QUALITIES = [0.85, 0.75, 0.65, 0.5];

  function decode(file) {
    // Honour the EXIF orientation, as the server's rotate() would; older engines reject the option.
    return createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () {
      return createImageBitmap(file);
    });
  }

  function encode(canvas, quality) {
    return new Promise(function (resolve) {
      canvas.toBlob(resolve, "image/jpeg", quality);
    });
  }

  function draw(bitmap) {
    var scale = Math.min(1, MAX_EDGE / Math.max(bitmap.width, bitmap.height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    var g = canvas.getContext("2d");
    // Transparent PNG areas become white, as on the server.
    g.fillStyle = "#fff";
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    if (bitmap.close) bitmap.close();
    return canvas;
  }

  function smallest(canvas, index) {
    return encode(canvas, QUALITIES[index]).then(function (blob) {
      if (!blob || blob.size <= TARGET_BYTES || index === QUALITIES.length - 1) return blob;
      return smallest(canvas, index + 1);
    });
  }

  /**
   * Resolves to a smaller JPEG Blob, or to null when the photo is small
   * enough already or the browser cannot shrink it (then it goes as it is).
   */
  function shrinkPhoto(file) {
    if (file.size <= TARGET_BYTES) return Promise.resolve(null);
    if (typeof createImageBitmap !== "function" || !HTMLCanvasElement.prototype.toBlob) return Promise.resolve(null);
    return decode(file)
      .then(function (bitmap) {
        return smallest(draw(bitmap), 0);
      })
      .then(
        function (blob) {
          return blob && blob.size < file.size ? blob : null;
        },
        function () {
          return null;
        }
      );
  }

  window.homthuShrinkPhoto = shrinkPhoto;
})();
