/** Alerts (to be built). */
export function AlertsPage(_props: { params: URLSearchParams }) {
  return <h1>Alerts</h1>;
}
