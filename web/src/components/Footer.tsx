/** Footer is the NHS footer with the service's own line. */
export function Footer() {
  return (
    <footer class="nhsuk-footer" role="contentinfo">
      <div class="nhsuk-width-container">
        <div class="nhsuk-footer__meta">
          <p class="nhsuk-body-s">
            Switchboard: end-to-end encrypted messaging and video consultations for NHS teams. Share only the
            patient details you need, and file what matters to the patient’s record.
          </p>
        </div>
      </div>
    </footer>
  );
}
