/**
 * The Express application of the web process: security headers, logging,
 * language, static files, then the routes, then the one error handler.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import express from "express";
import nunjucks from "nunjucks";
import type { AppContext } from "./context.js";
import { formatIsoDay } from "./i18n/format.js";
import { notFound } from "./errors.js";
import { jsonBody } from "./middlewares/bodies.js";
import { errorHandler } from "./middlewares/errorHandler.js";
import { locale } from "./middlewares/locale.js";
import { requestLog } from "./middlewares/requestLog.js";
import { onionLocation, securityHeaders } from "./middlewares/securityHeaders.js";
import { tipsApi } from "./routes/api/tips/tips.js";
import { healthRoutes } from "./routes/health.js";
import { metricsRoute } from "./routes/metrics.js";
import { publicPages } from "./routes/public/pages.js";
import { followUpPages } from "./routes/public/followUp.js";
import { authApi } from "./routes/api/auth/auth.js";
import { adminApi } from "./routes/api/admin/admin.js";
import { casesApi } from "./routes/api/cases/cases.js";
import { staffOperationPages } from "./routes/staff/adminOperations.js";
import { staffCasePages } from "./routes/staff/cases.js";
import { staffNotificationPages } from "./routes/staff/notifications.js";
import { staffPages } from "./routes/staff/pages.js";
import { statsApi } from "./routes/api/stats/stats.js";
import { modelCommunesApi } from "./routes/api/stats/modelCommunes.js";
import { communesApi } from "./routes/api/communes/communes.js";
import { placesApi } from "./routes/api/places/places.js";
import { staffPlacePages } from "./routes/staff/places.js";
import { staffCommunePages } from "./routes/staff/communes.js";
import { helpServicesApi } from "./routes/api/help/helpServices.js";
import { staffHelpServicePages } from "./routes/staff/helpServices.js";
import { staffReportPages } from "./routes/staff/reports.js";
import { staffModelCommunePages } from "./routes/staff/modelCommunes.js";
import { staffSettingsPages } from "./routes/staff/settings.js";
import { staffPosterPages } from "./routes/staff/posters.js";
import { savedReportPages } from "./routes/staff/savedReports.js";
import { publicFigurePages } from "./routes/public/figures.js";
import { loadStaff } from "./middlewares/staffSession.js";
import { staffGate } from "./middlewares/staffGate.js";
import { loadTipster } from "./middlewares/tipsterSession.js";
import { tipsterApi } from "./routes/api/tipster/tipster.js";

const here = path.dirname(fileURLToPath(import.meta.url));
export const VIEWS_DIR = path.join(here, "views");
export const STATIC_DIR = path.join(here, "..", "static");

export function createApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", ctx.config.trustProxy);
  app.set("query parser", "simple");
  const views = nunjucks.configure(VIEWS_DIR, { autoescape: true, express: app, noCache: !ctx.config.isProduction, throwOnUndefined: false });
  // A yyyy-mm-dd kept as typed (a decision's date) is shown dd/mm/yyyy, like every other date (src/i18n/format.ts).
  views.addFilter("day", (v: unknown) => (typeof v === "string" ? formatIsoDay(v) : v));
  app.set("view engine", "njk");

  app.use(securityHeaders(ctx.config.isProduction));
  app.use(onionLocation(ctx.config.onionLocation));
  app.use(requestLog(ctx.logger, ctx.metrics));
  app.use(locale(ctx.config));
  app.use("/static", express.static(STATIC_DIR, { index: false, fallthrough: false, maxAge: ctx.config.isProduction ? "1d" : 0 }));
  // Browsers ask for /favicon.ico on their own, whatever the page says.
  app.get("/favicon.ico", (_req, res) => res.sendFile("favicon.ico", { root: STATIC_DIR, maxAge: ctx.config.isProduction ? "1d" : 0, headers: { "Content-Type": "image/x-icon" } }));

  app.use(healthRoutes(ctx));
  app.use(metricsRoute(ctx));
  app.use(tipsApi(ctx));
  // Staff areas: JSON bodies, the session (if any), then the gate: everything
  // under /staff and /api/v1 needs a full session but the paths it lists.
  app.use(["/api/v1/auth", "/api/v1/me", "/api/v1/admin", "/api/v1/activate", "/api/v1/cases", "/api/v1/notifications", "/api/v1/stats", "/api/v1/model-communes", "/api/v1/communes", "/api/v1/places", "/api/v1/help-services"], jsonBody("64kb"));
  app.use(loadStaff(ctx));
  app.use(loadTipster(ctx));
  app.use(staffGate);
  app.use(tipsterApi(ctx));
  app.use(authApi(ctx));
  app.use(adminApi(ctx));
  app.use(staffPages(ctx));
  app.use(casesApi(ctx));
  app.use(staffCasePages(ctx));
  app.use(staffNotificationPages(ctx));
  app.use(staffOperationPages(ctx));
  app.use(statsApi(ctx));
  app.use(modelCommunesApi(ctx));
  app.use(communesApi(ctx));
  app.use(staffCommunePages(ctx));
  app.use(placesApi(ctx));
  app.use(staffPlacePages(ctx));
  app.use(helpServicesApi(ctx));
  app.use(staffHelpServicePages(ctx));
  app.use(staffReportPages(ctx));
  app.use(staffModelCommunePages(ctx));
  app.use(staffSettingsPages(ctx));
  app.use(staffPosterPages(ctx));
  app.use(savedReportPages(ctx));
  app.use(publicFigurePages(ctx));
  app.use(publicPages(ctx));
  app.use(followUpPages(ctx));

  app.use((_req, _res, next) => next(notFound()));
  const { maxPhotoBytes, maxPhotos } = ctx.config.limits;
  app.use(errorHandler(ctx.logger, Math.round(maxPhotoBytes / 1024 / 1024), maxPhotos));
  return app;
}
