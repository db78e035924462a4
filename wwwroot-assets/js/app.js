// The console's own browser helpers; Blazor calls them through JS interop.
window.modelConsole = {
  // Remembers the theme for a year; the server reads it while prerendering, so the first paint is right.
  setTheme: function (theme) {
    document.cookie = "mc-theme=" + (theme === "dark" ? "dark" : "light") + "; path=/; max-age=31536000; samesite=lax";
  },
};
