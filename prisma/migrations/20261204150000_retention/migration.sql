-- The retention job deletes timeline entries by age, oldest first, a batch at a time: without this index
-- every batch would scan the whole timeline. (Notifications are deleted by "processedAt" and resolved
-- incidents by status and age: their existing indexes serve.)
CREATE INDEX "OrderEvent_createdAt_idx" ON "OrderEvent"("createdAt");
