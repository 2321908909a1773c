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
// pdf adapter the server is given).

var packPage = template.Must(template.New("pack").Parse(`<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Title}} – {{.Org}}</title></head>
<body>
<main>
<h1>{{.Title}}</h1>
<p>{{.Org}}. Generated {{.Generated.UTC.Format "2 January 2006 15:04"}} UTC.</p>
{{range .Sections}}<section>
<h2>{{.Heading}}</h2>
{{range .Paragraphs}}<p>{{.}}</p>
{{end}}{{if .Bullets}}<ul>{{range .Bullets}}<li>{{.}}</li>{{end}}</ul>
{{end}}{{with .Table}}<table>
<thead><tr>{{range .Columns}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</tbody>
</table>
{{end}}</section>
{{end}}</main>
</body>
</html>
`))

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
