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
    "symbols", "hr", "mobile", "inline-popup", "paste-from-word"
  ];
  var PASTE_STRUCTURE = "portal_keep_structure";

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

  // Pasted HTML (from Word, WPS or a web page) keeps its structure and nothing else: the
  // tags and attributes the server keeps (portal/sanitize.py), h1/h5/h6 mapped to h2–h4,
  // Word's numbered paragraphs made into lists. It is parsed in a separate inert document
  // with its style attributes renamed first: the policy would refuse (and report) them,
  // and only Word's list marks are read from them.
  var KEEP = ["P", "BR", "H2", "H3", "H4", "STRONG", "B", "EM", "I", "U", "S", "SUB", "SUP",
              "UL", "OL", "LI", "BLOCKQUOTE", "TABLE", "THEAD", "TBODY", "TFOOT", "TR", "TH",
              "TD", "CAPTION", "A", "HR", "PRE", "CODE"];
  var RENAME = { H1: "h2", H5: "h4", H6: "h4" };
  var DROP = ["SCRIPT", "STYLE", "META", "LINK", "TITLE", "TEMPLATE", "IFRAME", "OBJECT",
              "EMBED", "SVG", "MATH", "NOSCRIPT", "IMG", "XML", "HEAD"];
  var CELL_ATTRIBUTES = { colspan: /^\d{1,3}$/, rowspan: /^\d{1,3}$/,
                          scope: /^(row|col|rowgroup|colgroup)$/i };
  var LINK_URL = /^(https?:|mailto:|\/|#|[^:]*$)/i;
  var NUMBERED = /^[\s\u00a0]*(\(?\d+[.)）、]?|（\d+）|[一二三四五六七八九十]+[、.]|[a-z][.)])/i;

  function wordListMarker(paragraph) {
    var style = paragraph.getAttribute("data-pasted-style") || "";
    if (paragraph.tagName !== "P" || style.indexOf("mso-list") < 0) {
      return null;
    }
    var marker = paragraph.querySelector('[data-pasted-style*="mso-list:Ignore"], ' +
                                         '[data-pasted-style*="mso-list: Ignore"]');
    var text = marker ? marker.textContent : "";
    if (marker) {
      marker.parentNode.removeChild(marker);
    }
    return NUMBERED.test(text) ? "ol" : "ul";
  }

  function cleanChildren(source, target, doc) {
    var list = null;
    Array.prototype.slice.call(source.childNodes).forEach(function (node) {
      if (node.nodeType === 3) {
        target.appendChild(doc.createTextNode(node.data));
        list = node.data.trim() ? null : list;
        return;
      }
      if (node.nodeType !== 1 || DROP.indexOf(node.tagName) >= 0) {
        return;
      }
      var kind = wordListMarker(node);
      if (kind) {
        if (!list || list.tagName.toLowerCase() !== kind) {
          list = target.appendChild(doc.createElement(kind));
        }
        cleanChildren(node, list.appendChild(doc.createElement("li")), doc);
        return;
      }
      list = null;
      var name = RENAME[node.tagName] || (KEEP.indexOf(node.tagName) >= 0 ? node.tagName : "");
      var href = node.tagName === "A" ? (node.getAttribute("href") || "").trim() : "";
      if (!name || (node.tagName === "A" && !(href && LINK_URL.test(href)))) {
        cleanChildren(node, target, doc);  // unwrap: span, font, div, o:p …
        return;
      }
      var copy = doc.createElement(name.toLowerCase());
      if (href) {
        copy.setAttribute("href", href);
      }
      if (node.tagName === "TD" || node.tagName === "TH") {
        Object.keys(CELL_ATTRIBUTES).forEach(function (attribute) {
          var value = (node.getAttribute(attribute) || "").trim();
          if (value && CELL_ATTRIBUTES[attribute].test(value) && value !== "1") {
            copy.setAttribute(attribute, value);
          }
        });
      }
      cleanChildren(node, copy, doc);
      target.appendChild(copy);
    });
  }

  function cleanPastedHTML(html) {
    var renamed = html.replace(/(<[a-z][^>]*?\s)style(\s*=)/gi, "$1data-pasted-style$2");
    var pasted = new DOMParser().parseFromString(renamed, "text/html");
    var out = document.implementation.createHTMLDocument("");
    var box = out.createElement("div");
    cleanChildren(pasted.body, box, out);
    return box.innerHTML;
  }

  var EDITOR_HELP = "用工具栏设置标题、列表、表格和链接（在正文中按 Alt+F10 转到工具栏）；" +
    "可从 Word 直接粘贴，字体、颜色等格式不保留。";

  function helpLine(textarea, field) {
    var help = document.createElement("p");
    help.className = "help";
    help.id = textarea.id + "-editor-help";
    help.textContent = EDITOR_HELP;
    var after = field.querySelector(".jodit-container") || textarea;
    after.parentNode.insertBefore(help, after.nextSibling);
    return help;
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

  function describe(area, textarea, help, box) {
    var ids = [help.id];
    ids = ids.concat((textarea.getAttribute("aria-describedby") || "").split(/\s+/)
      .filter(Boolean));
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
        tabIndex: 0,  // the text itself is in the Tab order, after the toolbar
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
        defaultActionOnPaste: PASTE_STRUCTURE,
        enableDragAndDropFileToEditor: false,
        link: { noFollowCheckbox: false, openInNewTabCheckbox: false, modeClassName: null },
        minHeight: 320,
        height: "auto",
        enter: "p"
      });
    } catch (error) {
      return;  // the textarea still works
    }
    var help = helpLine(textarea, field);
    var box = messageBox(textarea, field);
    describe(editor.editor, textarea, help, box);
    var label = textarea.id && document.querySelector('label[for="' + textarea.id + '"]');
    if (label) {
      label.addEventListener("click", function (event) {
        event.preventDefault();
        editor.s.focus();
      });
    }
    editor.e.on("onCustomPasteHTMLOption", function (action, html) {
      return action === PASTE_STRUCTURE ? cleanPastedHTML(html) : undefined;
    });
    editor.e.on("change", function () {
      textarea.value = editor.value;
    });
    if (textarea.form) {
      textarea.form.addEventListener("submit", function (event) {
        textarea.value = editor.value;
        var length = limit ? Array.from(textarea.value).length : 0;  // as the server counts
        if (length > limit) {
          event.preventDefault();
          box.textContent = tooLongMessage(labelText(textarea), length, limit);
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
