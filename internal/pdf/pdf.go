// Package pdf renders Switchboard's documents (the DPIA pack) as PDF with
// go-pdf/fpdf: the adapter for that dependency. It speaks in the domain's
// document model and knows nothing of where the content came from.
//
// Content streams are written uncompressed, so that the text of a pack can
// be searched (and tested) without a PDF library; the documents are small.
package pdf

import (
	"fmt"
	"io"
	"strings"

	"codeberg.org/go-pdf/fpdf"

	"github.com/switchboard-nhs/switchboard/internal/dpo"
)

// Render writes p as an A4 PDF to w.
func Render(w io.Writer, p *dpo.Pack) error {
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetCompression(false)
	doc.SetCreationDate(p.Generated)
	doc.SetModificationDate(p.Generated)
	tr := doc.UnicodeTranslatorFromDescriptor("") // UTF-8 to the core fonts' cp1252
	text := func(s string) string { return tr(plain(s)) }
	doc.SetTitle(plain(p.Title), true)
	doc.SetAuthor(plain(p.Org), true)
	doc.SetCreator("Switchboard", true)
	doc.SetMargins(18, 18, 18)
	doc.SetAutoPageBreak(true, 18)
	doc.SetFooterFunc(func() {
		doc.SetY(-12)
		doc.SetFont("Helvetica", "", 8)
		doc.CellFormat(0, 5, text(fmt.Sprintf("%s - %s - page %d", p.Title, p.Org, doc.PageNo())), "", 0, "C", false, 0, "")
	})
	doc.AddPage()
	doc.SetFont("Helvetica", "B", 18)
	doc.MultiCell(0, 9, text(p.Title), "", "L", false)
	doc.SetFont("Helvetica", "", 11)
	doc.MultiCell(0, 6, text(p.Org), "", "L", false)
	doc.MultiCell(0, 6, text("Generated "+p.Generated.UTC().Format("2 January 2006 15:04")+" UTC"), "", "L", false)
	doc.Ln(4)
	for _, s := range p.Sections {
		section(doc, text, s)
	}
	if err := doc.Error(); err != nil {
		return fmt.Errorf("render pdf: %w", err)
	}
	return doc.Output(w)
}

func section(doc *fpdf.Fpdf, text func(string) string, s dpo.Section) {
	if doc.GetY() > 240 {
		doc.AddPage()
	}
	doc.SetFont("Helvetica", "B", 14)
	doc.MultiCell(0, 8, text(s.Heading), "", "L", false)
	doc.Ln(1)
	doc.SetFont("Helvetica", "", 10)
	for _, para := range s.Paragraphs {
		doc.MultiCell(0, 5, text(para), "", "L", false)
		doc.Ln(2)
	}
	for _, b := range s.Bullets {
		doc.SetX(22)
		doc.MultiCell(0, 5, text("- "+b), "", "L", false)
		doc.Ln(1)
	}
	if s.Table != nil {
		table(doc, text, s.Table)
	}
	doc.Ln(4)
}

// table lays each row out as a block: its first cell in bold, then each
// other column as "Column: value". Rows of many long columns (the hazard
// log) read better so on a page than as a grid of narrow cells.
func table(doc *fpdf.Fpdf, text func(string) string, t *dpo.Table) {
	for _, row := range t.Rows {
		if doc.GetY() > 260 {
			doc.AddPage()
		}
		doc.SetFont("Helvetica", "B", 10)
		doc.MultiCell(0, 5, text(row[0]), "T", "L", false)
		doc.SetFont("Helvetica", "", 9)
		for i := 1; i < len(row) && i < len(t.Columns); i++ {
			doc.SetX(22)
			doc.MultiCell(0, 4.5, text(t.Columns[i]+": "+row[i]), "", "L", false)
		}
		doc.Ln(2)
	}
}

// plain replaces characters the core fonts lack.
func plain(s string) string {
	return strings.NewReplacer("→", "->", "≥", ">=", "≤", "<=", "…", "...", "\u00a0", " ").Replace(s)
}
