/** What is encrypted as a tip's "report" item (written by tipCreator, read by tipReader and the case view). */
export interface ReportContent {
  location?: string;
  observedAt?: string;
  description: string;
  /** GPS positions the tipster chose to share, by photo item id. */
  photoLocations?: Record<string, { lat: number; lon: number }>;
}
