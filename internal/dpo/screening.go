package dpo

// Question is one question of the ICO's DPIA screening checklist.
type Question struct {
	ID   string
	Text string
	// Required: a yes means a full DPIA is required (the ICO's list of
	// processing likely to result in high risk). Otherwise the question is
	// one of the European guidelines' criteria, two or more of which call
	// for a full DPIA.
	Required bool
}

// Screening is the ICO's DPIA screening checklist, as the light DPIA of
// each register entry answers it: first the processing for which the ICO
// requires a DPIA, then the criteria of the European guidelines (WP248).
var Screening = []Question{
	{"profiling-decisions", "Does it use systematic and extensive profiling or automated decision-making to make significant decisions about people?", true},
	{"special-category-large-scale", "Does it process special category data (such as health data) or criminal offence data on a large scale?", true},
	{"public-monitoring", "Does it systematically monitor a publicly accessible place on a large scale?", true},
	{"innovative-technology", "Does it use innovative technology in combination with any of the criteria below?", true},
	{"access-to-services", "Does it use profiling, automated decision-making or special category data to help make decisions on someone's access to a service, opportunity or benefit?", true},
	{"large-scale-profiling", "Does it carry out profiling on a large scale?", true},
	{"biometric-genetic", "Does it process biometric or genetic data in combination with any of the criteria below?", true},
	{"data-matching", "Does it combine, compare or match data from multiple sources?", true},
	{"invisible-processing", "Does it process personal data without giving a privacy notice directly to the person, in combination with any of the criteria below?", true},
	{"tracking", "Does it track people's online or offline location or behaviour, in combination with any of the criteria below?", true},
	{"children", "Does it process children's personal data for profiling, automated decision-making or marketing, or offer online services directly to children?", true},
	{"physical-harm", "Could a security breach of the personal data it processes put someone's physical health or safety at risk?", true},

	{"evaluation-scoring", "Criterion: evaluation or scoring of people.", false},
	{"automated-significant", "Criterion: automated decision-making with legal or similarly significant effect.", false},
	{"systematic-monitoring", "Criterion: systematic monitoring of people.", false},
	{"sensitive-data", "Criterion: sensitive data or data of a highly personal nature (such as health data).", false},
	{"large-scale", "Criterion: processing on a large scale.", false},
	{"matching-datasets", "Criterion: matching or combining datasets.", false},
	{"vulnerable-people", "Criterion: data about vulnerable people (such as patients or children).", false},
	{"new-technology", "Criterion: innovative use or new technological or organisational solutions.", false},
	{"prevents-rights", "Criterion: processing that prevents people from exercising a right or using a service or contract.", false},
}

// FullDPIANeeded reports whether screening answers call for a full DPIA:
// a yes to any question the ICO requires one for, or to two or more of
// the criteria.
func FullDPIANeeded(answers map[string]bool) bool {
	criteria := 0
	for _, q := range Screening {
		if !answers[q.ID] {
			continue
		}
		if q.Required {
			return true
		}
		criteria++
	}
	return criteria >= 2
}
