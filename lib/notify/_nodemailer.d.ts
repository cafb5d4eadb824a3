// Minimal ambient type for the nodemailer default export; see _nodemailer.ts.
declare const nodemailer: unknown;
export default nodemailer;
