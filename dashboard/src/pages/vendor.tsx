/** Vendor (to be built). */
export function VendorPage(_props: { params: URLSearchParams }) {
  return <h1>Vendor</h1>;
}
