/** Footer is the NHS footer with the service's own line. */
export function Footer() {
  return (
    <footer class="nhsuk-footer" role="contentinfo">
      <div class="nhsuk-width-container">
        <div class="nhsuk-footer__meta">
          <p class="nhsuk-body-s">
            Switchboard: secure messaging and video consultations for NHS teams. Messages are end-to-end
            encrypted; do not share patient details outside the record.
          </p>
        </div>
      </div>
    </footer>
  );
}
