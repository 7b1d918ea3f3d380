-- AlterTable
ALTER TABLE "Incident" ADD COLUMN     "taskPerformerIds" INTEGER[] DEFAULT ARRAY[]::INTEGER[];
