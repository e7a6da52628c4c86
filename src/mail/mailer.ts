/**
 * Staff email through nodemailer. With no SMTP_URL, email is off: callers
 * fall back to the in-app list, and the start-up log says so once.
 * Emails never carry tip content, category or place — only that something
 * needs attention and a link (see the notification processor). Emails leave
 * from the minute sweeps, and their Date header is kept to the minute too, so
 * that a mailbox does not date a tip more finely than received_at does.
 */
import nodemailer from "nodemailer";
import type { Logger } from "../logging/logger.js";
import { coarse } from "../time/coarse.js";

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  enabled: boolean;
  send(mail: Mail): Promise<void>;
  close(): void;
}

export function createMailer(smtpUrl: string | undefined, from: string, logger: Logger): Mailer {
  if (!smtpUrl) {
    logger.info("email is off (no SMTP_URL): notifications stay in the app");
    return { enabled: false, send: async () => undefined, close: () => undefined };
  }
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    enabled: true,
    send: async (mail) => {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, date: coarse("minute") });
    },
    close: () => transport.close(),
  };
}
