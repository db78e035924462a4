// The console's own browser helpers; Blazor calls them through JS interop.
window.modelConsole = {
  // Remembers the theme for a year; the server reads it while prerendering, so the first paint is right.
  setTheme: function (theme) {
    document.cookie = "mc-theme=" + (theme === "dark" ? "dark" : "light") + "; path=/; max-age=31536000; samesite=lax";
  },
  // Saves text the page computed (CSV exports) as a file, without a round trip to the server.
  download: function (fileName, text, mimeType) {
    const url = URL.createObjectURL(new Blob([text], { type: mimeType || "text/plain" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  },
};
