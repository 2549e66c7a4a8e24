// Never download a browser at install time: this project prints PDFs with the system Chromium
// (Debian's `chromium`), found from config, PUPPETEER_EXECUTABLE_PATH or well-known paths.
module.exports = { skipDownload: true };
