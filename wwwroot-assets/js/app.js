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

// The connection to the server, as the person sees it. Blazor dispatches its reconnection states on
// #components-reconnect-modal; this words them ("frozen since 14:02:31"), retries for as long as the page is open
// (a dashboard is left open all day), and reloads when the server answers but no longer knows this page's circuit
// (it restarted), so the numbers come back fresh without anyone touching the page.
(function () {
  const modal = document.getElementById("components-reconnect-modal");
  const text = modal && modal.querySelector(".mc-reconnect-text");
  const retryNow = document.getElementById("mc-reconnect-now");
  let since = null;
  let fallback = null;

  function time(date) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  }

  function say(message) {
    if (text) {
      text.textContent = "The numbers on this page are frozen since " + time(since) + ". " + message;
    }
  }

  async function retry() {
    try {
      if (!(await Blazor.reconnect())) {
        location.reload(); // reached the server, which no longer has this circuit
      }
    } catch {
      say("The server cannot be reached; trying again in a few seconds…");
    }
  }

  if (modal) {
    modal.addEventListener("components-reconnect-state-changed", function (event) {
      const state = event.detail && event.detail.state;
      if (state === "show" || state === "retrying") {
        since = since || new Date();
        modal.hidden = false;
        document.documentElement.classList.add("mc-disconnected");
        say(state === "retrying" && event.detail.currentAttempt
          ? "Reconnecting… (attempt " + event.detail.currentAttempt + ")"
          : "Reconnecting…");
      } else if (state === "hide") {
        since = null;
        modal.hidden = true;
        document.documentElement.classList.remove("mc-disconnected");
        clearInterval(fallback);
        fallback = null;
      } else if (state === "failed") {
        // Blazor's own attempts are used up: keep trying, every five seconds.
        say("The server cannot be reached; trying again every few seconds…");
        if (!fallback) {
          fallback = setInterval(retry, 5000);
        }
      } else if (state === "rejected") {
        location.reload();
      }
    });
  }

  if (retryNow) {
    retryNow.addEventListener("click", retry);
  }

  Blazor.start({
    circuit: {
      reconnectionOptions: {
        maxRetries: 1000000,
        // Quick at first (a blip, a deploy), then every ten seconds for as long as it takes.
        retryIntervalMilliseconds: function (previousAttempts) {
          return previousAttempts < 5 ? 1000 : previousAttempts < 20 ? 3000 : 10000;
        },
      },
    },
  });
})();
