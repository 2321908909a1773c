package httpd

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"

	"github.com/switchboard-nhs/switchboard/internal/dpo"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// The DPIA pack, as HTML (to read and print) and as PDF (rendered by the
// pdf adapter the server is given). A table's rows are written as a
// heading and a list of its columns, as in the PDF, so that the page reads
// on a phone without styles (the server's CSP allows none inline).

var packPage = template.Must(template.New("pack").Funcs(template.FuncMap{"wrap": wrap}).Parse(`<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Title}} – {{.Org}}</title></head>
<body>
<main>
<h1>{{.Title}}</h1>
<p>{{.Org}}. Generated {{.Generated.UTC.Format "2 January 2006 15:04"}} UTC.</p>
{{range .Sections}}<section>
<h2>{{.Heading}}</h2>
{{range .Paragraphs}}<p>{{wrap .}}</p>
{{end}}{{if .Bullets}}<ul>{{range .Bullets}}<li>{{wrap .}}</li>{{end}}</ul>
{{end}}{{with .Table}}{{$cols := .Columns}}{{range .Rows}}<h3>{{index . 0}}</h3>
<dl>{{range $i, $v := .}}{{if $i}}<dt>{{index $cols $i}}</dt><dd>{{wrap $v}}</dd>{{end}}{{end}}</dl>
{{end}}{{end}}</section>
{{end}}</main>
</body>
</html>
`))

// wrap escapes s and lets long unbroken words (cipher suite names,
// addresses) break after their underscores, dots, slashes and colons, so
// that they fit a phone's width.
func wrap(s string) template.HTML {
	var b strings.Builder
	for i, w := range strings.Split(s, " ") {
		if i > 0 {
			b.WriteByte(' ')
		}
		if len(w) < 20 {
			b.WriteString(template.HTMLEscapeString(w))
			continue
		}
		for _, r := range w {
			b.WriteString(template.HTMLEscapeString(string(r)))
			if strings.ContainsRune("_./:;", r) {
				b.WriteString("<wbr>")
			}
		}
	}
	return template.HTML(b.String())
}

// RenderPackHTML writes the pack as a standalone HTML page.
func RenderPackHTML(p *dpo.Pack) ([]byte, error) {
	var b bytes.Buffer
	err := packPage.Execute(&b, p)
	return b.Bytes(), err
}

func (s *Server) handleDPIA(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	if err := requireRole(p, identity.RoleDPO, identity.RoleAdmin); err != nil {
		return err
	}
	svc, err := s.dpo()
	if err != nil {
		return err
	}
	asPDF := strings.HasSuffix(r.URL.Path, ".pdf")
	if asPDF && s.cfg.RenderPDF == nil {
		return errNoDPO
	}
	format := map[bool]string{true: "pdf", false: "html"}[asPDF]
	pack, err := svc.DPIAPack(r.Context(), p, format)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if asPDF {
		if err := s.cfg.RenderPDF(&b, pack); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="dpia-pack-`+strings.ToLower(p.Org.ODS)+`.pdf"`)
	} else {
		html, err := RenderPackHTML(pack)
		if err != nil {
			return err
		}
		b.Write(html)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	_, err = w.Write(b.Bytes())
	return err
}
