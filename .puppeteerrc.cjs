// pa11y drives Debian's Chromium (/usr/bin/chromium): no browser is downloaded.
module.exports = { skipDownload: true };
