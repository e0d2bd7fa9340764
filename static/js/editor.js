/*
 * Rich-text bodies (disclosures, village notices, consultation drafts).
 *
 * Every `textarea[data-editor]` stays the form field: without JavaScript, or if the editor
 * cannot start, the page is a plain textarea holding HTML or plain text, as it always was.
 * With JavaScript it becomes a Jodit editor (static/vendor/jodit) with a small Chinese
 * toolbar: headings 2–4, bold, lists, table, link, undo/redo. The textarea gets the HTML
 * back on every change and again on submit; the server cleans it (portal/sanitize.py).
 *
 * A body longer than the textarea's `data-max-chars` is not sent: the person sees the
 * same message the server would give and keeps what they wrote (a body past the request
 * limit would otherwise be refused before the server could show it again).
 */
(function () {
  "use strict";

  var HEADINGS = { p: "正文", h2: "二级标题", h3: "三级标题", h4: "四级标题" };

  // Plugins that reach outside this page (CDN scripts), write inline style, or offer
  // features the server strips anyway (fonts, colours, images, media, source view).
  var DISABLED_PLUGINS = [
    "about", "ai-assistant", "powered-by-jodit", "speech-recognize", "source", "print",
    "preview", "iframe", "file", "image", "image-processor", "image-properties", "media",
    "video", "font", "color", "copyformat", "justify", "indent", "drag-and-drop",
    "drag-and-drop-element", "resizer", "resize-handler", "size", "fullsize", "search",
    "spellcheck", "stat", "xpath", "add-new-line", "class-span", "line-height",
    "symbols", "hr", "mobile", "inline-popup"
  ];

  // Jodit 4 writes a `style` attribute on the hidden input it puts before the toolbar, which
  // the page's policy (style-src 'self') refuses; the same input, hidden by editor.css.
  function hideToolbarHelperWithoutInlineStyle(Jodit) {
    var collection = Jodit.modules && Jodit.modules.ToolbarEditorCollection;
    if (!collection || typeof collection.prototype.prependInvisibleInput !== "function") {
      return;
    }
    collection.prototype.prependInvisibleInput = function (container) {
      var input = document.createElement("input");
      input.name = "jodit-toolbar-focus-helper_" + this.j.id;
      input.tabIndex = -1;
      input.disabled = true;  // a click on a <label> around the editor lands here
      input.className = "editor-focus-helper";
      input.setAttribute("aria-hidden", "true");
      container.insertBefore(input, container.firstChild);
    };
  }

  function tooLongMessage(label, length, limit) {
    return label + "过长：共 " + length.toLocaleString("en-US") + " 个字符（含排版标记），不能超过 " +
      limit.toLocaleString("en-US") + " 个。请删减，或把部分内容作为附件上传后重新保存。";
  }

  function labelText(textarea) {
    var label = textarea.id && document.querySelector('label[for="' + textarea.id + '"]');
    return label ? label.textContent.replace(/[*（].*$/, "").trim() : "正文";
  }

  function messageBox(textarea, field) {
    var box = document.createElement("p");
    box.className = "errors editor-message";
    box.id = textarea.id + "-editor-message";
    box.setAttribute("role", "alert");
    box.hidden = true;
    field.appendChild(box);
    return box;
  }

  function describe(area, textarea, box) {
    var ids = (textarea.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    ids.push(box.id);
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    area.setAttribute("aria-label", labelText(textarea));
    area.setAttribute("aria-describedby", ids.join(" "));
    if (textarea.getAttribute("aria-invalid")) {
      area.setAttribute("aria-invalid", textarea.getAttribute("aria-invalid"));
    }
  }

  function upgrade(Jodit, textarea) {
    var limit = parseInt(textarea.getAttribute("data-max-chars") || "0", 10);
    var field = textarea.closest(".field") || textarea.parentNode;
    var editor;
    try {
      editor = Jodit.make(textarea, {
        language: "zh_cn",
        i18n: { zh_cn: { URL: "链接地址" } },
        toolbarAdaptive: false,
        toolbarSticky: false,
        allowTabNavigation: true,
        showPlaceholder: false,
        buttons: ["paragraph", "bold", "|", "ul", "ol", "|", "table", "link", "|",
                  "undo", "redo"],
        controls: {
          paragraph: {
            list: Jodit.atom(HEADINGS),  // these four only, not merged into Jodit's list
            tooltip: "段落与标题",
            // Jodit's own template carries a style attribute (refused by the policy).
            childTemplate: function (jodit, key, value) {
              return "<" + key + ' class="editor-format-choice"><span>' + jodit.i18n(value) +
                "</span></" + key + ">";
            }
          },
          ul: { list: null, tooltip: "项目符号列表" },
          ol: { list: null, tooltip: "编号列表" }
        },
        disablePlugins: DISABLED_PLUGINS,
        // Jodit gives a new table a style attribute (refused by the policy); editor.css
        // draws tables, and the server keeps no style anyway.
        createAttributes: Jodit.atom({}),
        statusbar: false,
        showCharsCounter: false,
        showWordsCounter: false,
        showXPathInStatusbar: false,
        beautifyHTML: false,
        sourceEditor: "area",
        askBeforePasteHTML: false,
        askBeforePasteFromWord: false,
        defaultActionOnPaste: "insert_as_html",
        defaultActionOnPasteFromWord: "insert_clear_html",
        enableDragAndDropFileToEditor: false,
        link: { noFollowCheckbox: false, openInNewTabCheckbox: false, modeClassName: null },
        minHeight: 320,
        height: "auto",
        enter: "p"
      });
    } catch (error) {
      return;  // the textarea still works
    }
    var box = messageBox(textarea, field);
    describe(editor.editor, textarea, box);
    var label = textarea.id && document.querySelector('label[for="' + textarea.id + '"]');
    if (label) {
      label.addEventListener("click", function (event) {
        event.preventDefault();
        editor.s.focus();
      });
    }
    editor.e.on("change", function () {
      textarea.value = editor.value;
    });
    if (textarea.form) {
      textarea.form.addEventListener("submit", function (event) {
        textarea.value = editor.value;
        if (limit && textarea.value.length > limit) {
          event.preventDefault();
          box.textContent = tooLongMessage(labelText(textarea), textarea.value.length, limit);
          box.hidden = false;
          field.classList.add("field-invalid");
          editor.editor.setAttribute("aria-invalid", "true");
          editor.s.focus();
        } else {
          box.hidden = true;
        }
      });
    }
  }

  function start() {
    if (!window.Jodit) {
      return;
    }
    hideToolbarHelperWithoutInlineStyle(window.Jodit);
    var areas = document.querySelectorAll("textarea[data-editor]");
    for (var i = 0; i < areas.length; i += 1) {
      upgrade(window.Jodit, areas[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
